<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/settings.py" line="+107" />
        <location line="+182" />
        <source>Settings</source>
        <extracomment>the user confirmed restoring this backup file (path); the frame does it</extracomment>
        <translation>设置</translation>
    </message>
    <message>
        <location line="-178" />
        <source>Recorded on this laptop</source>
        <translation>本机记录</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Everything you record is saved on this laptop first, with or without a network. Back at the township office, sync to send it to the county.</source>
        <translation>您记录的所有内容都会先保存在这台电脑上，有没有网络都一样。回到乡镇办公室后进行同步，就会把记录报送到县里。</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Changes waiting to be synced</source>
        <translation>待同步的更改</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Sessions recorded</source>
        <translation>已记录的课堂（场次）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Participant-times recorded</source>
        <translation>已记录的参与（人次）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The new language is used when you next open Zhangye Desk.</source>
        <translation>重新打开程序后生效。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Interface language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <location line="+8" />
        <source>County server</source>
        <translation>县服务器</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Enrol with a server…</source>
        <translation>登记到服务器…</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Backups</source>
        <translation>备份</translation>
    </message>
    <message>
        <location line="+3" />
        <source>A backup is a complete copy of the data, kept in the "backups" folder inside the data folder. Zhangye Desk makes one every day by itself; make one by hand before anything unusual, such as a system reinstall.</source>
        <translation>备份是数据的完整副本，保存在数据文件夹里的“backups”文件夹中。程序每天会自动备份一次；在重装系统等特殊情况之前，请先手动备份一次。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Made</source>
        <translation>备份时间</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind of backup</source>
        <translation>备份类型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+26" />
        <source>Restore the selected backup…</source>
        <translation>恢复所选的备份…</translation>
    </message>
    <message>
        <location line="+55" />
        <source>Enrolled with %1 as “%2”.</source>
        <translation>已登记到 %1，本机名称“%2”。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Not enrolled: this laptop works without a server.</source>
        <translation>尚未登记：本机不连接服务器也能使用。</translation>
    </message>
    <message>
        <location line="+34" />
        <source>Made by hand</source>
        <translation>手动备份</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Daily (automatic)</source>
        <translation>每日自动备份</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Before an upgrade (automatic)</source>
        <translation>升级前自动备份</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The data before a restore</source>
        <translation>恢复前的数据</translation>
    </message>
    <message>
        <location line="+38" />
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location line="+55" />
        <source>The folder could not be opened</source>
        <translation>无法打开文件夹</translation>
    </message>
    <message>
        <location line="+2" />
        <source>No file manager could open the data folder. You can find it here:

%1</source>
        <translation>没有能打开数据文件夹的文件管理器。数据文件夹在：

%1</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Backup saved: %1</source>
        <translation>备份已保存：%1</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Replace the data on this laptop with the backup made on %1 (%2)?

The current data is kept first, as a backup of its own, so nothing is lost: you can restore it the same way if you need it again.

Sessions and attendance recorded after %1 will not be in the restored data. Zhangye Desk closes the data and opens it again; this takes a few seconds.</source>
        <translation>要用 %1 的备份（%2）替换这台电脑上现在的数据吗？

现在的数据会先另存为一份备份，不会丢失；需要时可以用同样的方法恢复回来。

%1 之后记录的课堂和签到不在恢复后的数据里。程序会关闭数据再重新打开，只需几秒钟。</translation>
    </message>
    <message numerus="yes">
        <location line="+10" />
        <source>Note: %n change(s) on this laptop have not been synced yet. After the restore they are only in the copy of the current data.</source>
        <translation>
            <numerusform>注意：这台电脑上还有 %n 条更改尚未同步。恢复后，它们只保存在现在数据的那份副本里。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+7" />
        <source>Restore from a backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
</context>
</TS>
