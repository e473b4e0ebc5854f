; Inno Setup 6 script: the Windows installer of Zhangye Desk (张掖流动课堂).
;
; Saved as UTF-8 with a byte-order mark: Inno Setup reads the Chinese text correctly only then.
; Built by .github/workflows/windows.yml after PyInstaller has made dist\zhangye-desk\:
;
;   ISCC.exe /DAppVersion=0.1.0 /DAppVersionNumeric=0.1.0.0 ^
;            /DSourceDir=<repo>\dist\zhangye-desk /DOutputDir=<repo>\dist ^
;            packaging\windows\zhangye-desk.iss
;
; * Per-user install, no administrator rights (PrivilegesRequired=lowest): the program goes to
;   %LOCALAPPDATA%\Programs\ZhangyeDesk; a township laptop's user can install and update it.
;   An administrator may still choose "install for all users" (the dialog offers it).
; * Start menu and (optional, ticked) desktop shortcuts.
; * Uninstalling removes the program only. The user's records live elsewhere
;   (%LOCALAPPDATA%\Zhangye\ZhangyeDesk: the database, backups, materials, logs) and are never
;   touched: nothing below deletes them, and there is no [UninstallDelete] entry for them.
; * Upgrades install over the previous version (same AppId) and close a running copy first.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric "0.0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\zhangye-desk"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "张掖流动课堂 Zhangye Desk"
#define AppExe "zhangye-desk.exe"

[Setup]
; Never change the AppId: it is how an upgrade finds the installed copy.
AppId={{6E1B7C52-3A4F-4C0B-9C39-5A8E2D7F1B64}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=张掖市 Zhangye
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
DefaultDirName={autopf}\ZhangyeDesk
DefaultGroupName=张掖流动课堂
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=zhangye-desk-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
; Simplified Chinese first (the default on a Chinese Windows), English for the rest. Older
; Inno Setup releases ship ChineseSimplified.isl as an unofficial translation only: the workflow
; puts it into the compiler's Languages folder when it is missing.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
english.LaunchApp=Open Zhangye Desk now
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
chinesesimplified.LaunchApp=现在打开张掖流动课堂
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the whole program folder (a file dropped by a newer Python or Qt must not
; linger); user data is not in it.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\张掖流动课堂"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\{cm:UninstallProgram,张掖流动课堂}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\张掖流动课堂"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

[Messages]
; Shown on the last page of the uninstaller.
english.UninstalledAll=%1 was removed. Your records (%LOCALAPPDATA%\Zhangye\ZhangyeDesk) were kept.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
chinesesimplified.UninstalledAll=%1 已卸载。您的记录（%LOCALAPPDATA%\Zhangye\ZhangyeDesk）已保留。
#endif
