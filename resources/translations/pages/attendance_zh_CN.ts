<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttendancePage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/attendance.py" line="+517"/>
        <source>Attendance</source>
        <translation>签到</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Choose a session to take attendance</source>
        <translation>请选择要签到的课堂</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Pick an open session below, or create one on the Sessions page and choose “Take attendance” there.</source>
        <translation>在下面选择一场进行中的课堂；也可以在“课堂”页新建一场，然后点“签到”。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>There is no open session.</source>
        <translation>目前没有进行中的课堂。</translation>
    </message>
    <message>
        <location line="+94"/>
        <location line="+47"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="-46"/>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Born</source>
        <translation>出生年</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This session</source>
        <translation>本场</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Mark</source>
        <translation>签到</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+145"/>
        <source>Mark present</source>
        <translation>到</translation>
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
        <source>Remove mark</source>
        <translation>取消签到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Add a walk-in</source>
        <translation>添加临时参加人员</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Type a name, its full pinyin or its initials (e.g. zhuoma, zm)</source>
        <translation>输入姓名、全拼或首字母（如 卓玛、zhuoma、zm）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Present</source>
        <translation>已到</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Party members</source>
        <translation>其中党员</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Not on roster</source>
        <translation>临时人数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Marked present, late or left early</source>
        <translation>已签到的人数（含迟到、早退）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Party members and probationary members among those present</source>
        <translation>已到的人中的党员（含预备党员）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>People who came but are not on the roster and were only counted</source>
        <translation>来了但不在名册上、只计人数的人</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Present plus those only counted</source>
        <translation>已到人数加临时人数</translation>
    </message>
    <message>
        <location line="+127"/>
        <source>Nothing to undo.</source>
        <translation>没有可以撤销的操作。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Undone: %1 %2</source>
        <translation>已撤销：%1 %2</translation>
    </message>
    <message>
        <location line="+87"/>
        <source>%1&apos;s roster, by pinyin. Type to find anyone in the county (this township first).</source>
        <translation>%1名册，按拼音排列。输入姓名可查找全县的人（本乡镇优先）。</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>The first %n are listed.</source>
        <translation>
            <numerusform>只列出前 %n 人。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nobody on the roster matches “%1”. If the person is not on the roster, add them as a walk-in (%2).</source>
        <translation>名册中没有找到“%1”。如果此人不在名册上，请添加为临时参加人员（%2）。</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>The best %n matches; type more to narrow them down.</source>
        <translation>
            <numerusform>最接近的 %n 人；多输入几个字可以缩小范围。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n match(es), this township first.</source>
        <translation>
            <numerusform>找到 %n 人，本乡镇优先。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Here</source>
        <translation>到</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Find the person first: type a name in the search box.</source>
        <translation>请先在搜索框里输入姓名，找到这个人。</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1 is already marked: %2</source>
        <translation>%1 已经签到：%2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 is not marked at this session.</source>
        <translation>%1 在本场还没有签到。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Mark removed: %1</source>
        <translation>已取消签到：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recorded: %1 %2</source>
        <translation>已记录：%1 %2</translation>
    </message>
    <message>
        <location line="+45"/>
        <location line="+24"/>
        <source>Please enter the person&apos;s name.</source>
        <translation>请填写姓名。</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Walk-in added and marked present: %1</source>
        <translation>已添加临时参加人员并签到：%1</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Not on roster, only counted: %1</source>
        <translation>临时人数：%1</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>This session is closed. Its attendance can be looked at but no longer changed; corrections are made by the county office.</source>
        <translation>这场课堂已经结束，签到记录只能查看，不能再修改。如需更正，请联系县里。</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>Marked so far: %n</source>
        <translation>
            <numerusform>已签到 %n 人</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>WalkInForm</name>
    <message>
        <location line="-1116"/>
        <source>Add a walk-in</source>
        <translation>添加临时参加人员</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Someone who came but is not on the roster. They are added to the roster and marked present.</source>
        <translation>来参加但不在名册上的人。添加后会记入名册并签到。</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Required</source>
        <translation>必填</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Not known</source>
        <translation>不详</translation>
    </message>
    <message>
        <location line="+21"/>
        <location line="+23"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location line="-22"/>
        <location line="+23"/>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>Birth year</source>
        <translation>出生年份</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+23"/>
        <source>Village</source>
        <translation>村</translation>
    </message>
    <message>
        <location line="-22"/>
        <location line="+25"/>
        <source>Political status</source>
        <translation>政治面貌</translation>
    </message>
    <message>
        <location line="-23"/>
        <source>Add and mark present</source>
        <translation>添加并签到</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Born</source>
        <translation>出生年</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Mark this person present</source>
        <translation>为此人签到</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Not the same person: add</source>
        <translation>不是同一个人，仍然添加</translation>
    </message>
    <message>
        <location line="+36"/>
        <location line="+5"/>
        <source>Not given</source>
        <translation>未填</translation>
    </message>
    <message numerus="yes">
        <location line="+31"/>
        <source>%n person(s) with this name already on the township&apos;s roster. Is it one of them?</source>
        <translation>
            <numerusform>本乡镇名册中已有 %n 个同名的人。是其中一位吗？</numerusform>
        </translation>
    </message>
</context>
</TS>
