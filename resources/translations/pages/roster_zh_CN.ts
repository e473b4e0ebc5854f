<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>PersonDetails</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/roster.py" line="+632"/>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Party organisation</source>
        <translation>党组织</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Session</source>
        <translation>课堂</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Double-click a session (or press Enter) to open it</source>
        <translation>双击课堂（或按回车键）即可打开</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>No one selected</source>
        <translation>未选择人员</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose a person in the list to see their details and history.</source>
        <translation>在名单中选择一个人，即可查看其信息和参加课堂的记录。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>born %1</source>
        <translation>%1年生</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>added on this laptop</source>
        <translation>本机添加</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>Sessions attended: %n</source>
        <translation>
            <numerusform>参加过 %n 次课堂</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Has not attended a session yet</source>
        <translation>尚未参加过课堂</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Sync conflict: someone else changed %1 of this person at the same time. The server kept the other value; the change made here is in the person&apos;s history for the county administrator. Check the details below (Sync page › Records to check).</source>
        <translation>同步冲突：别人同时修改了此人的%1。服务器保留了另一个值，本机的修改已记入此人的历史，供县里管理员核对。请核对下面的信息（“同步”页面 › 需要核对的记录）。</translation>
    </message>
</context>
<context>
    <name>PersonDialog</name>
    <message>
        <location line="-472"/>
        <source>Edit person</source>
        <extracomment>The list never holds more than this many people (a county has ~40,000).</extracomment>
        <translation>编辑人员信息</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add person</source>
        <translation>添加人员</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+131"/>
        <source>Not given</source>
        <translation>未填</translation>
    </message>
    <message>
        <location line="-116"/>
        <source>e.g. 1975</source>
        <translation>例如 1975</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose a township</source>
        <translation>请选择乡镇</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>&amp;Name</source>
        <translation>姓名(&amp;N)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Gender</source>
        <translation>性别(&amp;G)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>E&amp;thnicity</source>
        <translation>民族(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Birth year</source>
        <translation>出生年份(&amp;B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>T&amp;ownship</source>
        <translation>乡镇(&amp;O)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Village</source>
        <translation>村(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Party o&amp;rganisation</source>
        <translation>党组织(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Political status</source>
        <translation>政治面貌(&amp;P)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>P&amp;hone</source>
        <translation>电话(&amp;H)</translation>
    </message>
    <message>
        <location line="+86"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>This person is no longer on the roster (the county deleted or merged the record). Close this window.</source>
        <translation>此人已不在名册中（县里已删除或合并了这条记录），请关闭此窗口。</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>This person may already be on the roster:
%1
If it is someone else, click Save again to add them.</source>
        <translation>名册中可能已经有此人：
%1
如果是另一个人，请再点一次“保存”添加。</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Enter the person&apos;s name (at most %1 characters).</source>
        <translation>请填写姓名（最多 %1 个字）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Enter a year between %1 and %2, or leave it empty.</source>
        <translation>出生年份请填写 %1 到 %2 之间的年份，或者不填。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Ethnicity may be at most %1 characters.</source>
        <translation>民族最多 %1 个字。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A phone number may only contain digits (and spaces or dashes).</source>
        <translation>电话号码只能包含数字（可以有空格或短横线）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose the person&apos;s township.</source>
        <translation>请选择所在乡镇。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>This village is not in the chosen township. Choose the village again.</source>
        <translation>这个村不属于所选乡镇，请重新选择村。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Choose the Party organisation again.</source>
        <translation>请重新选择党组织。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose the gender again.</source>
        <translation>请重新选择性别。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose the political status again.</source>
        <translation>请重新选择政治面貌。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A value was not accepted. Check the form.</source>
        <translation>有一项内容未被接受，请检查填写的内容。</translation>
    </message>
</context>
<context>
    <name>RosterPage</name>
    <message>
        <location line="+222"/>
        <source>Search: name, pinyin or initials (Ctrl+F)</source>
        <translation>搜索：姓名、拼音或首字母（Ctrl+F）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>All political statuses</source>
        <translation>全部政治面貌</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Add person</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add a person to the roster (Ctrl+N)</source>
        <translation>在名册中添加一个人（Ctrl+N）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Edit the selected person (Ctrl+E)</source>
        <translation>编辑所选人员的信息（Ctrl+E）</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ethnicity</source>
        <translation>民族</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Born</source>
        <translation>出生年份</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Party organisation</source>
        <translation>党组织</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>Roster</source>
        <translation>花名册</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Whole county</source>
        <translation>全县</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Searching…</source>
        <translation>正在查找…</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Showing the first %1 people: type a name or pinyin to narrow the list</source>
        <translation>显示前 %1 人，请输入姓名或拼音缩小范围</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>People listed: %n</source>
        <translation>
            <numerusform>共 %n 人</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No one matches. Check the spelling or the filters.</source>
        <translation>没有找到符合条件的人，请检查输入的文字或筛选条件。</translation>
    </message>
</context>
</TS>
