<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SyncPage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/sync.py" line="+87"/>
        <source>Uploading records</source>
        <translation>上传记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Downloading the roster and materials list</source>
        <translation>下载花名册和课件目录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Downloading materials</source>
        <translation>下载课件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>(not on this laptop)</source>
        <translation>（本机没有这条记录）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Person %1: %2</source>
        <translation>人员 %1：%2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A mark at the session %1</source>
        <translation>课堂“%1”的一条签到</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The session %1</source>
        <translation>课堂“%1”</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The person %1</source>
        <translation>人员 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A record of %1</source>
        <translation>“%1”的一条记录</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the server said</source>
        <translation>服务器的说明</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What you can do</source>
        <translation>您可以怎么做</translation>
    </message>
    <message>
        <location line="+33"/>
        <location line="+123"/>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location line="-118"/>
        <location line="+142"/>
        <source>Enrol with a server…</source>
        <translation>登记到服务器…</translation>
    </message>
    <message>
        <location line="-135"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Receipt of the last sync</source>
        <translation>上次同步的回执</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>The server confirms:</source>
        <translation>服务器已确认：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Recorded on this laptop:</source>
        <translation>本机记录：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Material downloads</source>
        <translation>课件下载</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Dealt with: hide it</source>
        <translation>已处理，不再显示</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>These records reached the server but could not be applied as sent. Nothing is lost: they wait on the server for the county administrator.</source>
        <translation>这些记录已送到服务器，但没能按原样处理。没有丢失：它们保存在服务器上，等县里管理员处理。</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+63"/>
        <source>Records to check</source>
        <translation>需要核对的记录</translation>
    </message>
    <message>
        <location line="-37"/>
        <source>This laptop (“%1”) is enrolled with %2.</source>
        <translation>本机（“%1”）已登记到 %2。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Last sync: %1.</source>
        <translation>上次同步：%1。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Enrol again…</source>
        <translation>重新登记…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>This laptop is not enrolled with a server yet. Everything works without one; to send the records to the county, enrol with the address and code the county administrator gives you.</source>
        <translation>本机尚未登记到服务器。不登记也能正常使用；要把记录上传到县里，请用县里管理员给的地址和登记码登记。</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>%1 sessions, %2 participant-times</source>
        <translation>%1 场课堂、%2 人次</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Pause the downloads below first, then sync.</source>
        <translation>请先暂停下面的下载，再同步。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Connecting to the server…</source>
        <translation>正在连接服务器…</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Stopping at the next safe point…</source>
        <translation>正在停止（在下一个安全的位置停下）…</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1 of %2 changes</source>
        <translation>%1 / %2 条更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Uploading the records made on this laptop…</source>
        <translation>正在上传本机的记录…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>page %1</source>
        <translation>第 %1 页</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Receiving the roster and the materials list…</source>
        <translation>正在接收花名册和课件目录…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Downloading material files…</source>
        <translation>正在下载课件文件…</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>about %1 min left</source>
        <translation>约剩 %1 分钟</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>about %1 s left</source>
        <translation>约剩 %1 秒</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Sync finished.</source>
        <translation>同步完成。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The sync stopped.</source>
        <translation>同步已停止。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Stopped. Everything the server confirmed is kept; %1 changes wait and the next sync continues from here.</source>
        <translation>已停止。服务器已确认的都已保存；还有 %1 条更改等待上传，下次同步会从这里继续。</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>(no sync since the app was started)</source>
        <translation>（本次打开程序后还没有同步）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>(the server sent no figures)</source>
        <translation>（服务器没有返回核对数字）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The server confirms %1 sessions and %2 participant-times: the same as this laptop. Every record has arrived.</source>
        <translation>服务器已确认 %1 场课堂、%2 人次，与本机一致。所有记录都已送达。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The server&apos;s figures differ from this laptop&apos;s. Nothing was deleted here. Sync once more; if they still differ, show this receipt to the county administrator.</source>
        <translation>服务器的数字与本机不一致。本机没有删除任何记录。请再同步一次；如果仍不一致，请把这张回执给县里管理员核对。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 changes are still waiting to be sent, so the figures cannot be compared yet. Sync again to send them.</source>
        <translation>还有 %1 条更改没有上传，暂时无法核对数字。请再同步一次把它们传上去。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Uploaded %1 changes (%2 already on the server).</source>
        <translation>上传了 %1 条更改（其中 %2 条服务器已有）。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Roster: %1 people updated; materials list: %2 entries updated.</source>
        <translation>花名册更新 %1 人，课件目录更新 %2 项。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 material files downloaded (%2) and checked.</source>
        <translation>已下载并校验课件 %1 个（%2）。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 large files wait in the download queue below until you choose them.</source>
        <translation>%1 个大文件在下面的下载队列中，等您选择后再下载。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 material files continue with the next sync.</source>
        <translation>还有 %1 个课件会在下次同步时继续下载。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 material files did not match their check and were discarded; they are downloaded again next time.</source>
        <translation>%1 个课件校验不通过，已丢弃，下次会重新下载。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>%1 records could not be applied as sent: see “Records to check” below. Nothing is lost.</source>
        <translation>有 %1 条记录服务器没能按原样处理：见下面的“需要核对的记录”。没有丢失任何记录。</translation>
    </message>
</context>
</TS>
