<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../zhangye_desk/ui/main_window.py" line="+123"/>
        <source>Sessions</source>
        <translation>课堂</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Attendance</source>
        <translation>签到</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Materials</source>
        <translation>资料</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+110"/>
        <source>Zhangye Desk</source>
        <translation>张掖流动课堂</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>Opening the data…</source>
        <translation>正在打开数据…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Restore from a backup…</source>
        <translation>从备份恢复(&amp;R)…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;View</source>
        <translation>查看(&amp;V)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About Zhangye Desk</source>
        <translation>关于张掖流动课堂(&amp;A)</translation>
    </message>
    <message numerus="yes">
        <location line="+199"/>
        <source>Unsynced changes: %n</source>
        <translation>
            <numerusform>待同步的更改：%n 条</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Data folder: %1</source>
        <translation>数据文件夹：%1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Backup saved: %1</source>
        <translation>备份已保存：%1</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>The data now matches the backup &quot;%1&quot;.

The data as it was just before is kept as the backup &quot;%2&quot;, so nothing is lost: you can restore it the same way if you need it again.</source>
        <translation>数据已恢复为备份“%1”中的内容。

恢复前的数据已另存为备份“%2”，不会丢失；需要时可以用同样的方法恢复回来。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Restored from the backup %1</source>
        <translation>已从备份 %1 恢复</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Backup restored</source>
        <translation>已恢复备份</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Zhangye Desk %1

Attendance for tent and horseback classrooms in Sunan Yugur Autonomous County. Everything is recorded on this laptop first and synced with the county server when a network is available.

Data folder: %2</source>
        <translation>张掖流动课堂 %1

用于肃南裕固族自治县帐篷课堂、马背课堂的签到记录。所有记录先保存在这台电脑上，有网络时再与县里的服务器同步。

数据文件夹：%2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>About Zhangye Desk</source>
        <translation>关于张掖流动课堂</translation>
    </message>
</context>
<context>
    <name>MaterialViewer</name>
    <message>
        <location filename="../../zhangye_desk/ui/viewers.py" line="+661"/>
        <location line="+221"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location line="-219"/>
        <source>Fill the screen (F11); Esc to go back</source>
        <translation>铺满整个屏幕（F11）；按 Esc 键返回</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open with another program</source>
        <translation>用其他程序打开</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open the file with this computer&apos;s own program</source>
        <translation>用本机的程序打开这个文件</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Choose a material on the left to show it here.</source>
        <translation>在左边点一份资料，就会在这里展示。</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>This computer has no program that opens this kind of file (%1). Ask the county IT staff to install one, or show it on another computer.</source>
        <translation>这台电脑上没有能打开这类文件的程序（%1）。请县里的信息技术人员安装一个，或换一台电脑展示。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>It was opened with this computer&apos;s own program, in a window of its own.</source>
        <translation>已用本机的程序打开，显示在单独的窗口里。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>This file could not be shown here. It may be damaged; you can try “Open with another program”.</source>
        <translation>这个文件无法在这里显示，可能已经损坏；可以试试“用其他程序打开”。</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>This recording could not be played on this laptop. You can try “Open with another program”.</source>
        <translation>这段音频或视频无法在本机播放；可以试试“用其他程序打开”。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>This computer has no program that opens this kind of file.</source>
        <translation>这台电脑上没有能打开这类文件的程序。</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Leave full screen</source>
        <translation>退出全屏</translation>
    </message>
</context>
<context>
    <name>MediaViewer</name>
    <message>
        <location line="-382"/>
        <location line="+109"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location line="-107"/>
        <source>Play or pause (Space)</source>
        <translation>播放或暂停（空格键）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Position</source>
        <translation>播放进度</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+7"/>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No speaker or headphones found: the sound cannot be heard.</source>
        <translation>没有找到扬声器或耳机，声音放不出来。</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../zhangye_desk/ui/messages.py" line="+55"/>
        <source>The disk is full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zhangye Desk could not save because the disk is full. The last change was not saved; everything saved before it is safe.

Free some space (for example, delete videos you no longer need or empty the Recycle Bin), then try again.</source>
        <translation>磁盘空间已满，张掖流动课堂无法保存。刚才这一项没有保存，之前保存的记录都完好无损。

请先腾出一些空间（例如删除不再需要的视频，或清空回收站），然后再试一次。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The data folder is in use</source>
        <translation>数据文件夹正在被占用</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Another copy of Zhangye Desk (or another program) is using this data folder, so it cannot be used here right now. Nothing has been changed.

Switch to the Zhangye Desk window that is already open, or close it and start Zhangye Desk again. If no other copy is open, restart the computer and try again.</source>
        <translation>另一个张掖流动课堂窗口（或其他程序）正在使用这个数据文件夹，所以这里暂时无法使用。数据没有任何改动。

请切换到已经打开的张掖流动课堂窗口，或者把它关闭后重新启动张掖流动课堂。如果没有其他窗口在运行，请重启电脑后再试。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The data file is damaged</source>
        <translation>数据文件已损坏</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The data file could not be read. It may have been damaged, for example by a power cut or by unplugging a USB drive while it was in use.

The latest backup is “%1” (in the backups folder inside the data folder). You can restore it with the command “zhangye-desk restore --latest”, or ask the county IT staff to do it. The damaged file is kept as a copy first, and only the records made after that backup need to be entered again.

Do not delete the damaged file.</source>
        <translation>无法读取数据文件，它可能已经损坏（例如突然断电，或在使用中拔出了U盘）。

最近的备份是“%1”（在数据文件夹内的 backups 文件夹中）。可以运行命令“zhangye-desk restore --latest”恢复它，也可以请县里的信息技术人员帮忙。恢复前会先保留损坏文件的副本，只需补录该备份之后的记录。

请不要删除损坏的文件。</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>The data file could not be read. It may have been damaged, for example by a power cut.

No backup of it was found. Do not delete or move the file, and contact the county IT staff, who may be able to recover the records.</source>
        <translation>无法读取数据文件，它可能已经损坏（例如突然断电）。

没有找到它的备份。请不要删除或移动这个文件，并联系县里的信息技术人员，他们也许能恢复其中的记录。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>A newer version is needed</source>
        <translation>需要更新版本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This data was saved by a newer version of Zhangye Desk. To keep it safe, this version will not open it.

Install the latest version of Zhangye Desk (ask the county organisation department for the installer), then open it again.</source>
        <translation>这些数据是由更新版本的张掖流动课堂保存的。为保护数据安全，当前版本不会打开它。

请安装最新版本的张掖流动课堂（可向县委组织部索取安装程序），然后再打开。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zhangye Desk could not write to “%1”: %2

Check that the folder still exists and that you may write to it (a USB drive may have been removed), then try again.</source>
        <translation>张掖流动课堂无法写入“%1”：%2

请检查该文件夹是否还在、是否有写入权限（U盘可能已被拔出），然后再试一次。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>A file could not be written</source>
        <translation>无法写入文件</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The action could not be completed</source>
        <translation>操作未能完成</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Zhangye Desk could not complete this action.

Please try again. If it keeps happening, contact the county IT staff and tell them the details shown below.</source>
        <translation>张掖流动课堂未能完成这项操作。

请再试一次。如果问题反复出现，请联系县里的信息技术人员，并告诉他们下方显示的详细信息。</translation>
    </message>
</context>
<context>
    <name>PdfViewer</name>
    <message>
        <location filename="../../zhangye_desk/ui/viewers.py" line="-356"/>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Previous page (Page Up)</source>
        <translation>上一页（PageUp 键）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Next page (Page Down)</source>
        <translation>下一页（PageDown 键）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Whole page</source>
        <translation>整页</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show the whole page instead of fitting the page to the width</source>
        <translation>显示整页，而不是按宽度铺满</translation>
    </message>
    <message>
        <location line="+76"/>
        <source>Page %1 of %2</source>
        <translation>第 %1 / %2 页</translation>
    </message>
</context>
<context>
    <name>TextViewer</name>
    <message>
        <location line="+110"/>
        <source>(Only the beginning of this long file is shown.)</source>
        <translation>（文件太长，这里只显示开头部分。）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>This computer has no Tibetan font, so Tibetan letters show as empty boxes. The county IT staff can install one (for example Noto Serif Tibetan).</source>
        <translation>这台电脑没有藏文字体，藏文会显示成空方框。可以请县里的信息技术人员安装一个（例如 Noto Serif Tibetan）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>This computer has no Mongolian font, so Mongolian letters show as empty boxes. The county IT staff can install one (for example Noto Sans Mongolian).</source>
        <translation>这台电脑没有蒙古文字体，蒙古文会显示成空方框。可以请县里的信息技术人员安装一个（例如 Noto Sans Mongolian）。</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <location filename="../../zhangye_desk/ui/labels.py" line="+16"/>
        <source>Tent classroom</source>
        <translation>帐篷课堂</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Horseback classroom</source>
        <translation>马背课堂</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Group study</source>
        <translation>集中学习</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Party lecture</source>
        <translation>专题党课</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Party day</source>
        <translation>主题党日</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mobile lecture</source>
        <translation>流动宣讲</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Present</source>
        <translation>已到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Late</source>
        <translation>迟到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Left early</source>
        <translation>早退</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Removed</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Party member</source>
        <translation>党员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Probationary member</source>
        <translation>预备党员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Activist</source>
        <translation>入党积极分子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Masses</source>
        <translation>群众</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open</source>
        <translation>进行中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Closed</source>
        <translation>已结束</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>On disk</source>
        <translation>已在本机</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Chinese</source>
        <translation>汉语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tibetan</source>
        <translation>藏语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mongolian</source>
        <translation>蒙古语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Western Yugur</source>
        <translation>西部裕固语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eastern Yugur</source>
        <translation>东部裕固语</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Several languages</source>
        <translation>多语种</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>English</source>
        <translation>英语</translation>
    </message>
</context>
</TS>
