<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>SyncPage</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/sync.py" line="+127"/>
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
        <location line="+40"/>
        <location line="+144"/>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location line="-139"/>
        <location line="+163"/>
        <source>Enrol with a server…</source>
        <translation>登记到服务器…</translation>
    </message>
    <message>
        <location line="-156"/>
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
        <location line="+7"/>
        <source>No network: sync with a USB stick</source>
        <translation>没有网络时：用U盘同步</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export to USB stick…</source>
        <translation>导出到U盘…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Import receipt…</source>
        <translation>导入回执…</translation>
    </message>
    <message>
        <location line="+16"/>
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
        <location line="+69"/>
        <source>Records to check</source>
        <translation>需要核对的记录</translation>
    </message>
    <message>
        <location line="-39"/>
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
        <location line="+22"/>
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
        <location line="+20"/>
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
        <location line="+21"/>
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
        <location line="+215"/>
        <source>(the server sent no figures)</source>
        <translation>（服务器没有返回核对数字）</translation>
    </message>
    <message>
        <location line="-213"/>
        <location line="+215"/>
        <source>The server confirms %1 sessions and %2 participant-times: the same as this laptop. Every record has arrived.</source>
        <translation>服务器已确认 %1 场课堂、%2 人次，与本机一致。所有记录都已送达。</translation>
    </message>
    <message>
        <location line="-208"/>
        <location line="+215"/>
        <source>The server&apos;s figures differ from this laptop&apos;s. Nothing was deleted here. Sync once more; if they still differ, show this receipt to the county administrator.</source>
        <translation>服务器的数字与本机不一致。本机没有删除任何记录。请再同步一次；如果仍不一致，请把这张回执给县里管理员核对。</translation>
    </message>
    <message>
        <location line="-207"/>
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
        <location line="+174"/>
        <source>%1 records could not be applied as sent: see “Records to check” below. Nothing is lost.</source>
        <translation>有 %1 条记录服务器没能按原样处理：见下面的“需要核对的记录”。没有丢失任何记录。</translation>
    </message>
    <message>
        <location line="-156"/>
        <source>Enrol this laptop first (once, with the county&apos;s code); then it can carry its records on a USB stick.</source>
        <translation>请先登记本机（只需一次，用县里给的登记码），之后就可以用U盘带记录。</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Save the records for the county</source>
        <translation>保存要交给县里的记录</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zhangye Desk bundle (*.zybundle);;All files (*)</source>
        <translation>张掖流动课堂数据包 (*.zybundle);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Writing the records to %1…</source>
        <translation>正在把记录写入 %1…</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Nothing is waiting to be sent: every record has reached the server already. No file was written.</source>
        <translation>没有需要上传的记录：所有记录都已到达服务器，没有生成文件。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 unsynced records were written to %2.
Next: take this file to the county office and ask the administrator to import it; bring back the receipt file they give you and choose “Import receipt…”. Until then these records still count as not uploaded.</source>
        <translation>已把 %1 条未上传的记录写入 %2。
下一步：把这个文件带到县里，请管理员导入；再把管理员给的回执文件带回来，点“导入回执…”。在导入回执之前，这些记录仍算作未上传。</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Choose the receipt from the county</source>
        <translation>选择县里给的回执文件</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Receipts (*.zyreceipt *.receipt);;All files (*)</source>
        <translation>回执 (*.zyreceipt *.receipt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Checking the receipt %1…</source>
        <translation>正在核对回执 %1…</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Receipt imported: the county server confirms %1 records.</source>
        <translation>回执已导入：县里的服务器确认收到 %1 条记录。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Every record in this receipt was confirmed before; nothing changed.</source>
        <translation>回执中的记录此前都已确认上传，没有改动。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Part of the receipt does not match the records this laptop holds now (synced since, or the data file was replaced); that part changed nothing.</source>
        <translation>回执中有一部分记录与本机现在的记录对不上（可能已联网同步过，或数据文件被替换过），这一部分没有改动。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The server was restored from a backup and lacks some of this laptop&apos;s records; they are marked as not uploaded again. Export a new file (or sync over the network).</source>
        <translation>服务器曾从备份恢复，缺少本机的一部分记录：这些记录已重新标为未上传。请重新导出到U盘交给县里（或联网同步）。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The data file was replaced by an older copy; the clashing records got a new number. Export a new file (or sync over the network).</source>
        <translation>检测到数据文件曾被替换为旧副本，冲突的记录已换用新编号。请重新导出到U盘交给县里（或联网同步）。</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>%1 changes are still waiting to be sent (recorded after the export, or not in this receipt). Export again, or sync over the network.</source>
        <translation>还有 %1 条更改等待上传（导出之后新记的，或不在这份回执里）。请再导出一次，或联网同步。</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>This laptop is not enrolled with a server; enrol it first. Nothing was changed.</source>
        <translation>本机还没有登记到服务器，请先登记。没有做任何改动。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The file is incomplete or damaged (perhaps the copy was cut short). Nothing was changed. Copy the file again and retry.</source>
        <translation>文件不完整或已损坏（可能拷贝时中断），没有做任何改动。请重新拷贝这个文件后再试。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This file is not a receipt written by the server (did you choose the exported file?). Nothing was changed. Choose the receipt.</source>
        <translation>这个文件不是服务器写出的回执（是否选成了导出的数据包？），没有做任何改动。请选择回执文件。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The file was written by an incompatible version. Nothing was changed. Install the latest Zhangye Desk.</source>
        <translation>这个文件由不兼容的程序版本生成，没有做任何改动。请安装最新版本的张掖流动课堂。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The receipt&apos;s signature does not match (the file was changed, or this laptop was enrolled again since). Nothing was changed. Ask the county administrator to import the file again for a new receipt.</source>
        <translation>回执的签名不正确（文件被改动过，或本机此后重新登记过），没有做任何改动。请县里管理员重新导入数据包，生成新的回执。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>This receipt belongs to another laptop. Nothing was changed. Find the receipt for this laptop&apos;s file.</source>
        <translation>这份回执属于另一台笔记本，没有做任何改动。请找到本机导出文件对应的回执。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>This receipt is out of date (this laptop&apos;s data file has a new number since). Nothing was changed. Export a new file (or sync over the network).</source>
        <translation>这份回执已过时（本机数据文件此后换用了新编号），没有做任何改动。请重新导出到U盘交给县里（或联网同步）。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The file cannot be read. Check the USB stick and the file, then try again. Nothing was changed.</source>
        <translation>无法读取这个文件。请检查U盘和文件后重试。没有做任何改动。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot write %1. Check that the USB stick is plugged in and not full, then try again. No record here was changed.</source>
        <translation>无法保存 %1。请检查U盘是否插好、是否还有空间，然后重试。本机记录没有改动。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>That did not work. No record here was changed. Try again; if it keeps failing, call the county administrator.</source>
        <translation>操作没有成功，本机记录没有改动。请重试；如果一直不行，请联系县里管理员。</translation>
    </message>
</context>
</TS>
