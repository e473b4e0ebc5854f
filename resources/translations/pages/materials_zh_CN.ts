<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>MaterialsPage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/materials.py" line="+103"/>
        <source>Search titles and topics</source>
        <translation>搜索标题或主题</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Show only one topic</source>
        <translation>只看一个主题</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show only one language</source>
        <translation>只看一种语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Showing in session:</source>
        <translation>当前课堂：</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Materials opened while a session is chosen are recorded as shown at that session. Only sessions that are still open can be chosen.</source>
        <translation>选定课堂后打开的资料，会记录为在该课堂中展示。只能选择尚未结束的课堂。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>File</source>
        <translation>本机文件</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Click a material, or press Enter, to show it</source>
        <translation>点击资料（或按回车键）即可展示</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show</source>
        <translation>展示</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show the chosen material (Enter)</source>
        <translation>展示选中的资料（回车键）</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Materials</source>
        <translation>资料</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>All topics</source>
        <translation>全部主题</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>All languages</source>
        <translation>全部语言</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>None (not in a session)</source>
        <translation>无（不在课堂中）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 — %2, %3</source>
        <translation>%1 — %2，%3</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Materials: %1 (on this laptop: %2)</source>
        <translation>共 %1 份资料，%2 份已在本机</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No material matches the search.</source>
        <translation>没有符合条件的资料。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No materials yet. They arrive with the next sync.</source>
        <translation>还没有资料。下次同步时会自动下载。</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>This material is no longer on the list. It may have been withdrawn.</source>
        <translation>这份资料已不在列表中，可能已被撤下。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>This material is not on this laptop yet. It will arrive with the next sync at the township office; nothing needs to be done now.</source>
        <translation>这份资料还没有下载到本机。回到乡镇办公室下次同步时会自动下载，现在不需要做什么。</translation>
    </message>
    <message>
        <location line="+12"/>
        <location line="+14"/>
        <source>That session is closed, so this was not recorded as shown.</source>
        <translation>该课堂已结束，所以这次展示没有记录。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Recorded: shown in “%1”</source>
        <translation>已记录：在《%1》中展示</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+2"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
</TS>
