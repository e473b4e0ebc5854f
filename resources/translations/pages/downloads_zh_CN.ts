<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DownloadQueue</name>
    <message>
        <location filename="../../../zhangye_desk/ui/pages/downloads.py" line="+69" />
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Chosen: next download</source>
        <translation>已选择，将下载</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Automatic: next sync</source>
        <translation>自动：下次同步时下载</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Deferred</source>
        <translation>已推迟</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Waits for a better connection</source>
        <translation>等网络好时再下载</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Downloaded and checked</source>
        <translation>已下载并校验</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Material</source>
        <translation>课件</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="+4" />
        <source>When</source>
        <translation>何时下载</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location line="+37" />
        <source>Download selected now</source>
        <translation>立即下载所选</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Defer to a better connection</source>
        <translation>推迟到网络好时</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Back to automatic</source>
        <translation>恢复自动</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+51" />
        <source>Every material file is on this laptop. New ones appear here after a sync.</source>
        <translation>所有课件文件都已在本机。同步后有新课件会显示在这里。</translation>
    </message>
    <message>
        <location line="+10" />
        <source>%1 files not downloaded yet (%2 still to download); the next sync fetches %3 of them (%4). Free disk space: %5.</source>
        <translation>有 %1 个文件尚未下载（还需下载 %2）；下次同步会下载其中 %3 个（%4）。可用磁盘空间：%5。</translation>
    </message>
    <message>
        <location line="+54" />
        <source>Select one or more materials in the list first.</source>
        <translation>请先在列表中选择一个或多个课件。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Deferred: these files wait until you choose them, for example when you are at the county office with a good connection.</source>
        <translation>已推迟：这些文件会等您选择后再下载，例如到县里网络好的时候。</translation>
    </message>
    <message>
        <location line="+25" />
        <source>Checking free disk space and starting the download…</source>
        <translation>正在检查磁盘空间并开始下载…</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <location line="+24" />
        <source>Downloading: %1 of %2</source>
        <translation>正在下载：%1 / %2</translation>
    </message>
    <message>
        <location line="+4" />
        <source>(about %1 min left)</source>
        <translation>（约剩 %1 分钟）</translation>
    </message>
    <message>
        <location line="+14" />
        <source>%1 files downloaded. %2 did not match their check and were discarded; they are downloaded again next time.</source>
        <translation>已下载 %1 个文件。%2 个校验不通过，已丢弃，下次会重新下载。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>%1 files downloaded; the connection dropped, the rest continues next time.</source>
        <translation>已下载 %1 个文件；网络中断，其余的下次继续。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 files downloaded and checked: they can be used now.</source>
        <translation>已下载并校验 %1 个文件，现在可以使用了。</translation>
    </message>
    <message>
        <location line="+25" />
        <source>Paused. What was downloaded is kept; click Resume to continue (now or after restarting the app).</source>
        <translation>已暂停。已下载的部分会保留；点击“继续”即可接着下载（现在或重新打开程序后都可以）。</translation>
    </message>
</context>
</TS>
