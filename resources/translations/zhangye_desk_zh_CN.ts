<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CrashDialog</name>
    <message>
        <location filename="../../zhangye_desk/ui/crash_dialog.py" line="+74" />
        <source>Something went wrong</source>
        <translation>程序遇到了问题</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The program ran into an unexpected problem. Records that were already saved are safe. If something does not work, close the program and open it again. Please click "Copy details" and send the text to the county's IT staff.</source>
        <translation>程序遇到了一个意外的问题。已经保存的记录不受影响。如果有功能无法使用，请关闭程序后重新打开。请点击“复制详细信息”，把内容发给县里的技术人员。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The details were also written to the log file %1.</source>
        <translation>详细信息也已写入日志文件 %1。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <location filename="../../zhangye_desk/ui/enrol_dialog.py" line="+84" />
        <source>Enrol with the county server</source>
        <translation>登记到县服务器</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Enter the server address and the enrolment code the county administrator gave you, or paste the enrolment link from the county's page. A code can be used once only.</source>
        <translation>请输入县里管理员给您的服务器地址和登记码，或粘贴县里网页上的登记链接。每个登记码只能使用一次。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>zhangye://enrol?server=…&amp;code=… (optional)</source>
        <translation>zhangye://enrol?server=…&amp;code=…（可不填）</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Enrolment link:</source>
        <translation>登记链接：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Server address:</source>
        <translation>服务器地址：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Enrolment code:</source>
        <translation>登记码：</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Name of this laptop:</source>
        <translation>本机名称：</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Enrol</source>
        <translation>登记</translation>
    </message>
    <message>
        <location line="+72" />
        <source>Please enter the enrolment code.</source>
        <translation>请输入登记码。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Contacting the server…</source>
        <translation>正在联系服务器…</translation>
    </message>
    <message>
        <location line="+53" />
        <source>Enrolled with %1 as “%2” (%3). Click Sync to send and receive.</source>
        <translation>已登记到 %1，本机名称“%2”（%3）。点击“同步”即可上传和接收数据。</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../../zhangye_desk/ui/first_run.py" line="+74" />
        <source>Welcome to Zhangye Desk</source>
        <translation>欢迎使用张掖流动课堂</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Zhangye Desk keeps every session and attendance record on this laptop, in the folder below, and works without any network. Back up or move this folder to keep the records safe.</source>
        <translation>张掖流动课堂把所有课堂和签到记录保存在本机下面这个文件夹里，没有网络也能使用。备份或搬移这个文件夹即可保护记录。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Choose another folder…</source>
        <translation>选择其他文件夹…</translation>
    </message>
    <message>
        <location line="+9" />
        <source>If the county administrator gave you a server address and an enrolment code (or an enrolment link), enrol now so that the records can be sent to the county. You can also do it later on the Sync page.</source>
        <translation>如果县里管理员已经给了您服务器地址和登记码（或登记链接），现在就可以登记，记录就能上传到县里。也可以以后在“同步”页面再登记。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Enrol with a server</source>
        <translation>登记到服务器</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Use without a server for now</source>
        <translation>暂不连接服务器，先使用</translation>
    </message>
    <message>
        <location line="+22" />
        <source>Choose the folder for the records</source>
        <translation>选择保存记录的文件夹</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../zhangye_desk/ui/main_window.py" line="+125" />
        <source>Sessions</source>
        <translation>课堂</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Attendance</source>
        <translation>签到</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Materials</source>
        <translation>资料</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+174" />
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location line="-64" />
        <source>Zhangye Desk</source>
        <translation>张掖流动课堂</translation>
    </message>
    <message>
        <location line="+57" />
        <source>Opening the data…</source>
        <translation>正在打开数据…</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Send this laptop's records and receive updates</source>
        <translation>上传本机记录并接收更新</translation>
    </message>
    <message>
        <location line="+14" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&amp;Restore from a backup…</source>
        <translation>从备份恢复(&amp;R)…</translation>
    </message>
    <message>
        <location line="+5" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;About Zhangye Desk</source>
        <translation>关于张掖流动课堂(&amp;A)</translation>
    </message>
    <message numerus="yes">
        <location line="+204" />
        <source>Unsynced changes: %n</source>
        <translation>
            <numerusform>待同步的更改：%n 条</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5" />
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Data folder: %1</source>
        <translation>数据文件夹：%1</translation>
    </message>
    <message>
        <location line="+19" />
        <source>Backup saved: %1</source>
        <translation>备份已保存：%1</translation>
    </message>
    <message>
        <location line="+43" />
        <source>The data now matches the backup "%1".

The data as it was just before is kept as the backup "%2", so nothing is lost: you can restore it the same way if you need it again.</source>
        <translation>数据已恢复为备份“%1”中的内容。

恢复前的数据已另存为备份“%2”，不会丢失；需要时可以用同样的方法恢复回来。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Restored from the backup %1</source>
        <translation>已从备份 %1 恢复</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Backup restored</source>
        <translation>已恢复备份</translation>
    </message>
    <message>
        <location line="+49" />
        <source>Zhangye Desk %1

Attendance for tent and horseback classrooms in Sunan Yugur Autonomous County. Everything is recorded on this laptop first and synced with the county server when a network is available.

Data folder: %2</source>
        <translation>张掖流动课堂 %1

用于肃南裕固族自治县帐篷课堂、马背课堂的签到记录。所有记录先保存在这台电脑上，有网络时再与县里的服务器同步。

数据文件夹：%2</translation>
    </message>
    <message>
        <location line="+9" />
        <source>About Zhangye Desk</source>
        <translation>关于张掖流动课堂</translation>
    </message>
</context>
<context>
    <name>MaterialViewer</name>
    <message>
        <location filename="../../zhangye_desk/ui/viewers.py" line="+655" />
        <location line="+221" />
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location line="-219" />
        <source>Fill the screen (F11); Esc to go back</source>
        <translation>铺满整个屏幕（F11）；按 Esc 键返回</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Open with another program</source>
        <translation>用其他程序打开</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Open the file with this computer's own program</source>
        <translation>用本机的程序打开这个文件</translation>
    </message>
    <message>
        <location line="+38" />
        <source>Choose a material on the left to show it here.</source>
        <translation>在左边点一份资料，就会在这里展示。</translation>
    </message>
    <message>
        <location line="+40" />
        <source>This computer has no program that opens this kind of file (%1). Ask the county IT staff to install one, or show it on another computer.</source>
        <translation>这台电脑上没有能打开这类文件的程序（%1）。请县里的信息技术人员安装一个，或换一台电脑展示。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>It was opened with this computer's own program, in a window of its own.</source>
        <translation>已用本机的程序打开，显示在单独的窗口里。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>This file could not be shown here. It may be damaged; you can try “Open with another program”.</source>
        <translation>这个文件无法在这里显示，可能已经损坏；可以试试“用其他程序打开”。</translation>
    </message>
    <message>
        <location line="+61" />
        <source>This recording could not be played on this laptop. You can try “Open with another program”.</source>
        <translation>这段音频或视频无法在本机播放；可以试试“用其他程序打开”。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>This computer has no program that opens this kind of file.</source>
        <translation>这台电脑上没有能打开这类文件的程序。</translation>
    </message>
    <message>
        <location line="+36" />
        <source>Leave full screen</source>
        <translation>退出全屏</translation>
    </message>
</context>
<context>
    <name>MediaViewer</name>
    <message>
        <location line="-382" />
        <location line="+109" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location line="-107" />
        <source>Play or pause (Space)</source>
        <translation>播放或暂停（空格键）</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Position</source>
        <translation>播放进度</translation>
    </message>
    <message>
        <location line="+3" />
        <location line="+7" />
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location line="+3" />
        <source>No speaker or headphones found: the sound cannot be heard.</source>
        <translation>没有找到扬声器或耳机，声音放不出来。</translation>
    </message>
    <message>
        <location line="+89" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../zhangye_desk/ui/messages.py" line="+72" />
        <source>The disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Zhangye Desk could not save because the disk is full. The last change was not saved; everything saved before it is safe.

Free some space (for example, delete videos you no longer need or empty the Recycle Bin), then try again.</source>
        <translation>磁盘空间已满，张掖流动课堂无法保存。刚才这一项没有保存，之前保存的记录都完好无损。

请先腾出一些空间（例如删除不再需要的视频，或清空回收站），然后再试一次。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The data folder is in use</source>
        <translation>数据文件夹正在被占用</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Another copy of Zhangye Desk (or another program) is using this data folder, so it cannot be used here right now. Nothing has been changed.

Switch to the Zhangye Desk window that is already open, or close it and start Zhangye Desk again. If no other copy is open, restart the computer and try again.</source>
        <translation>另一个张掖流动课堂窗口（或其他程序）正在使用这个数据文件夹，所以这里暂时无法使用。数据没有任何改动。

请切换到已经打开的张掖流动课堂窗口，或者把它关闭后重新启动张掖流动课堂。如果没有其他窗口在运行，请重启电脑后再试。</translation>
    </message>
    <message>
        <location line="+22" />
        <source>This session is closed</source>
        <translation>这个课堂已经结束</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This session has been closed, and a closed session is final: nothing was changed.

If something in it is wrong, ask the county office to correct it on the server after the next sync. For a new lecture, create a new session.</source>
        <translation>这个课堂已经结束，结束后的课堂不能再修改，这次没有做任何更改。

如果其中有记错的地方，请在下次同步后请县里在服务器上更正。如果是新的一次授课，请新建一个课堂。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The record is no longer there</source>
        <translation>找不到这条记录</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The session, person or material you chose could not be found. It may have been merged, deleted or replaced by the last sync. Nothing was changed.

Look it up again in the list (search by name) and try once more.</source>
        <translation>找不到您选择的课堂、人员或资料，可能在上次同步时已被合并、删除或替换。这次没有做任何更改。

请在列表中重新查找（可以按姓名搜索），然后再试一次。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Something entered is not valid</source>
        <translation>填写的内容有误</translation>
    </message>
    <message>
        <location line="+1" />
        <source>A value that was entered is missing or not in the expected form (for example a date, a number or a name), so nothing was saved.

Check what you entered, correct it and save again.</source>
        <translation>有一项内容没有填写，或者格式不对（例如日期、数字或姓名），所以没有保存。

请检查填写的内容，改正后再保存。</translation>
    </message>
    <message>
        <location line="+25" />
        <source>The data file is damaged</source>
        <translation>数据文件已损坏</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The data file could not be read. It may have been damaged, for example by a power cut or by unplugging a USB drive while it was in use.

The latest backup is “%1” (in the backups folder inside the data folder). You can restore it with the command “zhangye-desk restore --latest”, or ask the county IT staff to do it. The damaged file is kept as a copy first, and only the records made after that backup need to be entered again.

Do not delete the damaged file.</source>
        <translation>无法读取数据文件，它可能已经损坏（例如突然断电，或在使用中拔出了U盘）。

最近的备份是“%1”（在数据文件夹内的 backups 文件夹中）。可以运行命令“zhangye-desk restore --latest”恢复它，也可以请县里的信息技术人员帮忙。恢复前会先保留损坏文件的副本，只需补录该备份之后的记录。

请不要删除损坏的文件。</translation>
    </message>
    <message>
        <location line="+11" />
        <source>The data file could not be read. It may have been damaged, for example by a power cut.

No backup of it was found. Do not delete or move the file, and contact the county IT staff, who may be able to recover the records.</source>
        <translation>无法读取数据文件，它可能已经损坏（例如突然断电）。

没有找到它的备份。请不要删除或移动这个文件，并联系县里的信息技术人员，他们也许能恢复其中的记录。</translation>
    </message>
    <message>
        <location line="-71" />
        <source>A newer version is needed</source>
        <translation>需要更新版本</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This data was saved by a newer version of Zhangye Desk. To keep it safe, this version will not open it.

Install the latest version of Zhangye Desk (ask the county organisation department for the installer), then open it again.</source>
        <translation>这些数据是由更新版本的张掖流动课堂保存的。为保护数据安全，当前版本不会打开它。

请安装最新版本的张掖流动课堂（可向县委组织部索取安装程序），然后再打开。</translation>
    </message>
    <message>
        <location line="+78" />
        <source>the data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Zhangye Desk could not write to “%1”: %2

Check that the folder still exists and that you may write to it (a USB drive may have been removed), then try again.</source>
        <translation>张掖流动课堂无法写入“%1”：%2

请检查该文件夹是否还在、是否有写入权限（U盘可能已被拔出），然后再试一次。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>A file could not be written</source>
        <translation>无法写入文件</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The action could not be completed</source>
        <translation>操作未能完成</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Zhangye Desk could not complete this action.

Please try again. If it keeps happening, contact the county IT staff and tell them the details shown below.</source>
        <translation>张掖流动课堂未能完成这项操作。

请再试一次。如果问题反复出现，请联系县里的信息技术人员，并告诉他们下方显示的详细信息。</translation>
    </message>
</context>
<context>
    <name>PdfViewer</name>
    <message>
        <location filename="../../zhangye_desk/ui/viewers.py" line="-356" />
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Previous page (Page Up)</source>
        <translation>上一页（PageUp 键）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Next page (Page Down)</source>
        <translation>下一页（PageDown 键）</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Whole page</source>
        <translation>整页</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Show the whole page instead of fitting the page to the width</source>
        <translation>显示整页，而不是按宽度铺满</translation>
    </message>
    <message>
        <location line="+76" />
        <source>Page %1 of %2</source>
        <translation>第 %1 / %2 页</translation>
    </message>
</context>
<context>
    <name>SyncMessages</name>
    <message>
        <location filename="../../zhangye_desk/ui/sync_messages.py" line="+37" />
        <source>This network wants you to log in first</source>
        <translation>当前网络需要先登录</translation>
    </message>
    <message>
        <location line="+1" />
        <source>A login page answered instead of the county server (common on hotel, township-office and mobile hotspots). Open a web browser, log in to the network there, then click Sync again. Nothing was counted as uploaded.</source>
        <translation>回应的是一个登录页面，而不是县里的服务器（宾馆、乡镇办公室和手机热点常见这种情况）。请打开浏览器登录网络，然后再点击“同步”。本次没有任何记录被当作已上传。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The server cannot be reached</source>
        <translation>无法连接服务器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>There is no network, or the connection keeps dropping. What was already uploaded is saved on the server, and everything else is kept on this laptop. Check the network cable, Wi-Fi or mobile hotspot, then click Sync again — it continues where it stopped.</source>
        <translation>没有网络，或网络时断时续。已上传的部分已保存在服务器上，其余记录都保存在本机。请检查网线、无线网络或手机热点，然后再点击“同步”——会从中断的地方继续。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The server is busy</source>
        <translation>服务器繁忙</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The county server has too much to do right now. Nothing is lost. Wait a few minutes, then click Sync again.</source>
        <translation>县服务器现在太忙。没有任何记录丢失。请过几分钟再点击“同步”。</translation>
    </message>
    <message>
        <location line="+94" />
        <source>The county administrator has stopped this laptop from syncing (for example because it was reported lost or replaced). The %1 changes not yet sent are kept on this laptop, together with every other record: nothing is deleted.

Call the county administrator. Once they give you a new enrolment code, enrol again (Sync page › Enrol with a server) and the kept changes are sent.</source>
        <translation>县里管理员已停用这台电脑的同步（例如报告丢失或已更换）。尚未上传的 %1 条更改和其他所有记录都保留在本机，什么都没有删除。

请联系县里管理员。拿到新的登记码后重新登记（“同步”页面 › 登记到服务器），保留的更改就会上传。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>This laptop was stopped by the county</source>
        <translation>这台电脑已被县里停用</translation>
    </message>
    <message>
        <location line="-95" />
        <source>The server does not know this laptop</source>
        <translation>服务器不认识这台电脑</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The server no longer recognises this laptop (it may have been reset). Every record is still here. Ask the county administrator for a new enrolment code and enrol again.</source>
        <translation>服务器已不认识这台电脑（可能被重置过）。所有记录都还在本机。请向县里管理员索取新的登记码，重新登记。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>This laptop is not enrolled yet</source>
        <translation>这台电脑尚未登记</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Before the first sync this laptop must be enrolled with the county server. Click “Enrol with a server” and enter the address and the enrolment code (or paste the enrolment link) the county administrator gave you.</source>
        <translation>第一次同步前，需要先把这台电脑登记到县服务器。请点击“登记到服务器”，输入县里管理员给您的地址和登记码（或粘贴登记链接）。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>This laptop's date or time is wrong</source>
        <translation>本机的日期或时间不对</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The server's security certificate cannot be checked because this laptop's date or time is far off. Set the correct date, time and time zone (Beijing time) in the computer's settings, then try again. Nothing was sent.</source>
        <translation>本机的日期或时间相差太多，无法核对服务器的安全证书。请在电脑设置中改正日期、时间和时区（北京时间），然后重试。本次没有上传任何数据。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>The server's certificate is not trusted</source>
        <translation>服务器的安全证书不可信</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The server's security certificate could not be verified, so nothing was sent (on some networks another machine pretends to be the server). Check that the address is exactly the one the county gave you, and try another network. If it keeps happening, call the county IT staff.</source>
        <translation>无法验证服务器的安全证书，为安全起见没有上传任何数据（有些网络上会有别的机器冒充服务器）。请核对地址是否与县里给的完全一致，并换一个网络试试。如果一直这样，请联系县里的技术人员。</translation>
    </message>
    <message>
        <location line="+70" />
        <source>There is not enough free space on this laptop's disk: %1 are needed, %2 are free. Nothing was written and no record is affected.

Free some space (delete videos you no longer need, empty the Recycle Bin) or defer large videos in the download queue, then try again.</source>
        <translation>本机磁盘空间不足：需要 %1，可用 %2。没有写入任何文件，记录不受影响。

请腾出一些空间（删除不再需要的视频、清空回收站），或在下载队列中推迟大视频，然后重试。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>The disk is too full for the download</source>
        <translation>磁盘空间不够下载</translation>
    </message>
    <message>
        <location line="-68" />
        <source>A newer version is needed</source>
        <translation>需要更新版本</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The server and this app speak different versions of the sync protocol. Install the latest Zhangye Desk (ask the county for the installer); your records are kept.</source>
        <translation>服务器与本程序的同步协议版本不一致。请安装最新版本的张掖流动课堂（向县里索取安装程序）；您的记录都会保留。</translation>
    </message>
    <message>
        <location line="+9" />
        <source>A sync is already running</source>
        <translation>已经在同步</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Another sync of this data folder is still running (maybe from the command line). Wait for it to finish, then try again.</source>
        <translation>这个数据文件夹的另一次同步还在进行（可能是从命令行启动的）。请等它完成后再试。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>The server address is not valid</source>
        <translation>服务器地址不正确</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The address should look like https://sync.example.gov.cn (as printed on the paper from the county). Check it for typing mistakes and try again.</source>
        <translation>地址应类似 https://sync.example.gov.cn（以县里纸质通知上印的为准）。请检查是否输错，然后重试。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>This is not an enrolment link</source>
        <translation>这不是登记链接</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The pasted text is not a complete enrolment link. Copy the whole link from the county's page (it starts with zhangye:// or https:// and contains code=), or type the address and the code instead.</source>
        <translation>粘贴的内容不是完整的登记链接。请从县里的网页复制整条链接（以 zhangye:// 或 https:// 开头，并含有 code=），或者直接输入地址和登记码。</translation>
    </message>
    <message>
        <location line="+44" />
        <source>That is not the county sync server</source>
        <translation>这不是县里的同步服务器</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Something answered at this address, but it is not a Zhangye sync server. Check the address against the paper from the county and try again.</source>
        <translation>这个地址有回应，但不是张掖同步服务器。请对照县里的纸质通知核对地址后重试。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The server answered with an error</source>
        <translation>服务器返回了错误</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The sync stopped because the server answered in a way this app does not expect. Every record is kept on this laptop. Try again later; if it keeps happening, tell the county IT staff the details below.</source>
        <translation>服务器的回应出乎本程序的预料，同步已停止。所有记录都保留在本机。请稍后再试；如果一直这样，请把下面的详细信息告诉县里的技术人员。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>This enrolment code was already used</source>
        <translation>这个登记码已被使用过</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Each code enrols one laptop only, and this one has been used. Ask the county administrator for a new code.</source>
        <translation>每个登记码只能登记一台电脑，这个已经用过了。请向县里管理员索取新的登记码。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>This enrolment code has expired</source>
        <translation>这个登记码已过期</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Enrolment codes are valid for a few days only. Ask the county administrator for a new code.</source>
        <translation>登记码只在几天内有效。请向县里管理员索取新的登记码。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The enrolment code is not right</source>
        <translation>登记码不正确</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The server does not know this code. Check it against the paper (the letters O and I are never used: type 0 or 1 is a mistake too), or ask the county administrator for a new code.</source>
        <translation>服务器不认识这个登记码。请对照纸质通知核对（登记码里没有字母 O 和 I，也没有数字 0 和 1），或向县里管理员索取新的登记码。</translation>
    </message>
    <message>
        <location line="+21" />
        <source>This laptop's clock is about %1 minutes off the server's. Please set the correct date and time in the computer's settings; the sync itself is not affected, but session times recorded here may look wrong.</source>
        <translation>本机时钟与服务器相差约 %1 分钟。请在电脑设置中校准日期和时间；同步本身不受影响，但本机记录的课堂时间可能不准。</translation>
    </message>
    <message>
        <location line="+8" />
        <source>The server was restored from a backup; this laptop sent everything it holds again (the server removes duplicates).</source>
        <translation>服务器曾从备份恢复，本机已重新上传保存的全部记录（服务器会自动去重）。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The connection dropped during the downloads. The records are synced; the material files continue with the next sync (what was downloaded is kept).</source>
        <translation>下载时网络中断。记录已经同步；课件文件会在下次同步时继续下载（已下载的部分会保留）。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The disk is too full for the next material file (%1 needed, %2 free). Free some space or defer large videos; the records are synced.</source>
        <translation>磁盘空间不够下载下一个课件（需要 %1，可用 %2）。请腾出空间或推迟大视频；记录已经同步。</translation>
    </message>
    <message>
        <location line="+13" />
        <source>name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+1" />
        <source>gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="+1" />
        <source>ethnicity</source>
        <translation>民族</translation>
    </message>
    <message>
        <location line="+1" />
        <source>year of birth</source>
        <translation>出生年份</translation>
    </message>
    <message>
        <location line="+1" />
        <source>township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="+1" />
        <source>village</source>
        <translation>村</translation>
    </message>
    <message>
        <location line="+1" />
        <source>party organisation</source>
        <translation>党组织</translation>
    </message>
    <message>
        <location line="+1" />
        <source>political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <location line="+1" />
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+7" />
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The session belongs to another township than this laptop</source>
        <translation>这场课堂属于别的乡镇，不是本机所属乡镇</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The server does not have the session this record belongs to</source>
        <translation>服务器上没有这条记录所属的课堂</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The server does not have this person</source>
        <translation>服务器上没有这个人</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The session was already closed on the server</source>
        <translation>这场课堂在服务器上已经结束</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The server already has a different record with the same number</source>
        <translation>服务器上已有编号相同但内容不同的记录</translation>
    </message>
    <message>
        <location line="+3" />
        <source>A value in the record was not accepted</source>
        <translation>记录中有一项内容不被接受</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Someone else changed the same details of this person</source>
        <translation>别人同时修改了这个人的同一项信息</translation>
    </message>
    <message>
        <location line="+5" />
        <source>The server could not apply it</source>
        <translation>服务器无法处理</translation>
    </message>
    <message>
        <location line="+7" />
        <source>The server kept the other value and yours is in the person's history. Check the person on the Roster page; if your value is right, tell the county administrator.</source>
        <translation>服务器保留了另一个值，您的修改记入了此人的历史。请在“花名册”页面核对此人；如果您的信息是对的，请告诉县里管理员。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Nothing is lost: the county administrator sees this record and will sort it out. Tell them which session it is if they ask.</source>
        <translation>没有丢失：县里管理员能看到这条记录并会处理。如果他们问起，请说明是哪场课堂。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Nothing is lost: the record is kept on the server for the county administrator to check. You do not need to enter it again.</source>
        <translation>没有丢失：这条记录保存在服务器上，等县里管理员核对。您不需要重新录入。</translation>
    </message>
</context>
<context>
    <name>TextViewer</name>
    <message>
        <location filename="../../zhangye_desk/ui/viewers.py" line="+110" />
        <source>(Only the beginning of this long file is shown.)</source>
        <translation>（文件太长，这里只显示开头部分。）</translation>
    </message>
    <message>
        <location line="+9" />
        <source>This computer has no Tibetan font, so Tibetan letters show as empty boxes. The county IT staff can install one (for example Noto Serif Tibetan).</source>
        <translation>这台电脑没有藏文字体，藏文会显示成空方框。可以请县里的信息技术人员安装一个（例如 Noto Serif Tibetan）。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>This computer has no Mongolian font, so Mongolian letters show as empty boxes. The county IT staff can install one (for example Noto Sans Mongolian).</source>
        <translation>这台电脑没有蒙古文字体，蒙古文会显示成空方框。可以请县里的信息技术人员安装一个（例如 Noto Sans Mongolian）。</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <location filename="../../zhangye_desk/ui/labels.py" line="+16" />
        <source>Tent classroom</source>
        <translation>帐篷课堂</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Horseback classroom</source>
        <translation>马背课堂</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Group study</source>
        <translation>集中学习</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Party lecture</source>
        <translation>专题党课</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Party day</source>
        <translation>主题党日</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Mobile lecture</source>
        <translation>流动宣讲</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Present</source>
        <translation>已到</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Late</source>
        <translation>迟到</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Left early</source>
        <translation>早退</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Removed</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Party member</source>
        <translation>党员</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Probationary member</source>
        <translation>预备党员</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Activist</source>
        <translation>入党积极分子</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Masses</source>
        <translation>群众</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Open</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Closed</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <location line="+1" />
        <source>On disk</source>
        <translation>已在本机</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Chinese</source>
        <translation>汉语</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Tibetan</source>
        <translation>藏语</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Mongolian</source>
        <translation>蒙古语</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Western Yugur</source>
        <translation>西部裕固语</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Eastern Yugur</source>
        <translation>东部裕固语</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Several languages</source>
        <translation>多语种</translation>
    </message>
    <message>
        <location line="+1" />
        <source>English</source>
        <translation>英语</translation>
    </message>
</context>
</TS>
