<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>StatisticsPage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/statistics.py" line="+214" />
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This quarter</source>
        <translation>本季度</translation>
    </message>
    <message>
        <location line="+1" />
        <source>This year</source>
        <translation>本年</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Last 12 months</source>
        <translation>近12个月</translation>
    </message>
    <message>
        <location line="+11" />
        <location line="+163" />
        <source>Township</source>
        <translation>乡镇</translation>
    </message>
    <message>
        <location line="-162" />
        <location line="+159" />
        <source>Session kind</source>
        <translation>课堂类型</translation>
    </message>
    <message>
        <location line="-158" />
        <location line="+160" />
        <source>Month</source>
        <translation>月份</translation>
    </message>
    <message>
        <location line="-153" />
        <location line="+188" />
        <source>Whole county</source>
        <translation>全县</translation>
    </message>
    <message>
        <location line="-187" />
        <source>&amp;Copy table</source>
        <translation>复制表格(&amp;C)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Copy the table as tab-separated text, to paste into a spreadsheet</source>
        <translation>把表格复制为以制表符分隔的文字，可粘贴到电子表格中</translation>
    </message>
    <message>
        <location line="+12" />
        <source>&amp;From</source>
        <translation>从(&amp;F)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&amp;To</source>
        <translation>到(&amp;T)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&amp;Group by</source>
        <translation>分组(&amp;G)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>T&amp;ownship</source>
        <translation>乡镇(&amp;O)</translation>
    </message>
    <message>
        <location line="+36" />
        <location line="+85" />
        <location line="+188" />
        <source>Sessions</source>
        <translation>场次</translation>
    </message>
    <message>
        <location line="-271" />
        <location line="+84" />
        <location line="+188" />
        <source>Participant-times</source>
        <translation>人次</translation>
    </message>
    <message>
        <location line="-270" />
        <location line="+83" />
        <source>Participants</source>
        <translation>人数</translation>
    </message>
    <message>
        <location line="-82" />
        <source>Party members</source>
        <translation>党员人数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Members attended</source>
        <translation>参与党员</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Participation rate</source>
        <translation>党员参与率</translation>
    </message>
    <message>
        <location line="+75" />
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Party-member participation rate</source>
        <translation>党员参与率</translation>
    </message>
    <message>
        <location line="+80" />
        <source>The end date is before the start date.</source>
        <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Counting…</source>
        <translation>正在统计…</translation>
    </message>
    <message>
        <location line="+30" />
        <source>The figures could not be counted.</source>
        <translation>未能完成统计。</translation>
    </message>
    <message>
        <location line="+19" />
        <source>MMM yyyy</source>
        <translation>yyyy年M月</translation>
    </message>
    <message>
        <location line="+17" />
        <source>%1 of %2 Party members attended at least one session</source>
        <translation>%2 名党员中有 %1 名至少参加了一次课堂</translation>
    </message>
    <message>
        <location line="+12" />
        <source>No sessions in this period.</source>
        <translation>这段时间没有课堂记录。</translation>
    </message>
    <message>
        <location line="+65" />
        <source>%1 – %2</source>
        <translation>%1 – %2</translation>
    </message>
    <message>
        <location line="+39" />
        <source>MMM</source>
        <translation>M月</translation>
    </message>
    <message numerus="yes">
        <location line="+41" />
        <source>Rows copied: %n. Paste them into a spreadsheet.</source>
        <translation>
            <numerusform>已复制 %n 行，可粘贴到电子表格中。</numerusform></translation>
    </message>
</context>
</TS>
