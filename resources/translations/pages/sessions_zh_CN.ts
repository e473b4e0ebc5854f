<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SessionDialog</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/sessions.py" line="+618"/>
        <source>Edit session</source>
        <extracomment>the new session&apos;s id after Save (the edited one&apos;s when editing) whether Save changed anything (editing)</extracomment>
        <translation>编辑课堂</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>New session</source>
        <translation>新建课堂</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>e.g. Grassland protection policy</source>
        <translation>例如：草原生态保护补助奖励政策解读</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Names of the lecturers</source>
        <translation>宣讲人姓名，多人用“、”隔开</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Pasture or place name</source>
        <translation>牧场或地点名称</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>e.g. 38.81</source>
        <translation>如 38.81</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Latitude</source>
        <translation>纬度</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>e.g. 99.62</source>
        <translation>如 99.62</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Longitude</source>
        <translation>经度</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Title</source>
        <translation>课堂名称</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Topic</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Lecturers</source>
        <translation>宣讲人</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Starts</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Village</source>
        <translation>村（社区）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latitude / longitude</source>
        <translation>纬度 / 经度</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start taking attendance after saving</source>
        <translation>保存后开始签到</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+94"/>
        <source>(not set)</source>
        <translation>（不指定）</translation>
    </message>
    <message>
        <location line="+118"/>
        <source>Choose the kind of session.</source>
        <translation>请选择课堂类型。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter a title for the session.</source>
        <translation>请填写课堂名称。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Choose the township.</source>
        <translation>请选择乡镇。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>This village is not in the chosen township.</source>
        <translation>这个村不属于所选的乡镇，请重新选择。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enter the start date and time.</source>
        <translation>请填写开始的日期和时间。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Latitude is a number between -90 and 90 (e.g. 38.81); leave both empty if you do not know the place&apos;s coordinates.</source>
        <translation>纬度应是 -90 到 90 之间的数字（如 38.81）；不知道地点的经纬度时，两项都可以不填。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Longitude is a number between -180 and 180 (e.g. 99.62); leave both empty if you do not know the place&apos;s coordinates.</source>
        <translation>经度应是 -180 到 180 之间的数字（如 99.62）；不知道地点的经纬度时，两项都可以不填。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This value cannot be saved. Check the form and try again.</source>
        <translation>有一项内容无法保存。请检查填写的内容后再试一次。</translation>
    </message>
</context>
<context>
    <name>SessionsPage</name>
    <message>
        <location line="-821"/>
        <location line="+161"/>
        <source>Sessions</source>
        <extracomment>the new/edit form while it is open</extracomment>
        <translation>课堂</translation>
    </message>
    <message>
        <location line="-158"/>
        <source>New session</source>
        <translation>新建课堂</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Take attendance</source>
        <translation>签到</translation>
    </message>
    <message>
        <location line="+3"/>
        <location line="+407"/>
        <source>Close session</source>
        <translation>结束课堂</translation>
    </message>
    <message>
        <location line="-387"/>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Open and closed</source>
        <translation>进行中和已结束</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+31"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="-30"/>
        <location line="+32"/>
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="-31"/>
        <location line="+40"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="-34"/>
        <source>From</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>To</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Dates</source>
        <translation>日期</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Start</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Title</source>
        <translation>课堂名称</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Attended</source>
        <translation>参加人数</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>No sessions match these filters. Start one with &quot;New session&quot;, or clear the filters.</source>
        <translation>没有符合筛选条件的课堂。可以点“新建课堂”开始一堂课，或者清除筛选。</translation>
    </message>
    <message>
        <location line="+61"/>
        <source>%1 on the roster, %2 not on the roster</source>
        <translation>花名册内 %1 人，花名册外 %2 人</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>All townships</source>
        <translation>全部乡镇</translation>
    </message>
    <message>
        <location line="+191"/>
        <source>Close &quot;%1&quot;?

A closed session is final: its attendance and details can no longer be changed on this laptop. Close it when the session is over and everyone has been marked.</source>
        <translation>要结束“%1”吗？

课堂结束后就定下来了：这台电脑上不能再修改它的签到和内容。请在课堂讲完、所有人都已签到后再结束。</translation>
    </message>
</context>
</TS>
