; Inno Setup script for the Windows installer (Inno Setup 6). Built on a Windows runner by
; .github/workflows/package-windows.yml after `python packaging\build.py --freeze-only`:
;   iscc /DAppVersion=0.1.0 /DDistDir=..\..\dist\ceremony packaging\windows\ceremony.iss
; Installs per user by default (no admin rights on a mall office's laptop), registers the
; ceremony:// scheme so a clicked invite link opens the venue app, and adds Start-menu entries.
; Not built or run on the Linux CI machine: see docs/packaging.md.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist\ceremony"
#endif

[Setup]
AppId={{5E0C6A0B-7B61-4D43-9A43-2B8A4C3E1F19}
AppName=Ceremony
AppVersion={#AppVersion}
AppPublisher=Ceremony project
DefaultDirName={autopf}\Ceremony
DefaultGroupName=Ceremony
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=ceremony-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\packaging\icons\ceremony.ico
UninstallDisplayIcon={app}\ceremony-venue.exe
Compression=lzma2/fast
SolidCompression=yes
WizardStyle=modern

[Languages]
; Inno Setup ships no official Indonesian translation: the installer speaks English. To add it,
; commit the unofficial Indonesian.isl (jrsoftware.org/files/istrans/) next to this script and add
; Name: "id"; MessagesFile: "Indonesian.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Ceremony Venue"; Filename: "{app}\ceremony-venue.exe"
Name: "{group}\Ceremony Studio"; Filename: "{app}\ceremony-studio.exe"
Name: "{group}\{cm:UninstallProgram,Ceremony}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Ceremony Venue"; Filename: "{app}\ceremony-venue.exe"; Tasks: desktopicon

[Registry]
; ceremony://join?invite=… opens the venue app with the link as its argument. HKA is HKCU for a
; per-user install and HKLM for an all-users one.
Root: HKA; Subkey: "Software\Classes\ceremony"; ValueType: string; ValueName: ""; ValueData: "URL:Ceremony invite"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\ceremony"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\ceremony\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: """{app}\ceremony-venue.exe"",0"
Root: HKA; Subkey: "Software\Classes\ceremony\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\ceremony-venue.exe"" ""%1"""

[Run]
Filename: "{app}\ceremony-venue.exe"; Description: "{cm:LaunchProgram,Ceremony Venue}"; Flags: nowait postinstall skipifsilent
