<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>cortex::console::ApiClient</name>
    <message>
        <source>&quot;%1&quot; is missing or not true/false</source>
        <translation>“%1”缺失或不是 true/false</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a non-negative whole number</source>
        <translation>“%1”不是非负整数</translation>
    </message>
    <message>
        <source>the body is not JSON (%1)</source>
        <translation>响应正文不是 JSON（%1）</translation>
    </message>
    <message>
        <source>the body is not a JSON object</source>
        <translation>响应正文不是 JSON 对象</translation>
    </message>
    <message>
        <source>Enter the server URL, for example %1.</source>
        <translation>请输入服务器地址，例如 %1。</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a valid server URL.</source>
        <translation>“%1”不是有效的服务器地址。</translation>
    </message>
    <message>
        <source>The server URL must start with http:// or https://.</source>
        <translation>服务器地址必须以 http:// 或 https:// 开头。</translation>
    </message>
    <message>
        <source>The server URL must not contain a user name or password.</source>
        <translation>服务器地址中不能包含用户名或密码。</translation>
    </message>
    <message>
        <source>The server URL must not contain a query (?) or fragment (#).</source>
        <translation>服务器地址中不能包含查询（?）或片段（#）。</translation>
    </message>
    <message>
        <source>The answer is not a Cortex Vault seal status: %1.</source>
        <translation>该响应不是 Cortex Vault 的密封状态：%1。</translation>
    </message>
    <message>
        <source>The server&apos;s answer is larger than %1 KiB.</source>
        <translation>服务器的响应超过 %1 KiB。</translation>
    </message>
    <message>
        <source>The server answered HTTP %1: %2</source>
        <translation>服务器返回 HTTP %1：%2</translation>
    </message>
    <message>
        <source>The server answered HTTP %1.</source>
        <translation>服务器返回 HTTP %1。</translation>
    </message>
    <message>
        <source>The server answered HTTP %1 %2.</source>
        <translation>服务器返回 HTTP %1 %2。</translation>
    </message>
    <message numerus="yes">
        <source>The server did not answer within %n second(s).</source>
        <translation>
            <numerusform>服务器在 %n 秒内没有响应。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>cortex::console::MainWindow</name>
    <message>
        <source>Cortex Vault Console</source>
        <translation>Cortex Vault 控制台</translation>
    </message>
    <message>
        <source>Secrets, agents, approvals and audit views arrive in a later release.</source>
        <translation>机密、智能体、审批和审计视图将在后续版本中提供。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Cortex Vault Console</source>
        <translation>关于 Cortex Vault 控制台(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <source>Server connection</source>
        <translation>服务器连接</translation>
    </message>
    <message>
        <source>&amp;Check</source>
        <translation>检查(&amp;C)</translation>
    </message>
    <message>
        <source>Ask the server whether it is initialized and sealed</source>
        <translation>询问服务器是否已初始化、是否已密封</translation>
    </message>
    <message>
        <source>Server &amp;URL:</source>
        <translation>服务器地址(&amp;U)：</translation>
    </message>
    <message>
        <source>Not checked yet.</source>
        <translation>尚未检查。</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>Checking %1…</source>
        <translation>正在检查 %1…</translation>
    </message>
    <message>
        <source>yes</source>
        <comment>seal status value</comment>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <comment>seal status value</comment>
        <translation>否</translation>
    </message>
    <message>
        <source>Initialized: %1, Sealed: %2</source>
        <translation>已初始化：%1，已密封：%2</translation>
    </message>
    <message>
        <source>Unseal progress: %1 of %2 key shares</source>
        <translation>解封进度：已提交 %1 / %2 份密钥分片</translation>
    </message>
    <message>
        <source>Could not check %1: %2</source>
        <translation>无法检查 %1：%2</translation>
    </message>
    <message>
        <source>About Cortex Vault Console</source>
        <translation>关于 Cortex Vault 控制台</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Cortex Vault Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Operator console for the Cortex Vault secrets server.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Cortex Vault 控制台&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Cortex Vault 机密服务器的运维控制台。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Check whether a cortex-server is initialized and sealed. No token is needed.</source>
        <translation>检查 cortex-server 是否已初始化、是否已密封。无需令牌。</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Operator console for a Cortex Vault server.</source>
        <translation>Cortex Vault 服务器的运维控制台。</translation>
    </message>
    <message>
        <source>Server URL to show in the connection panel (default %1).</source>
        <translation>在连接面板中显示的服务器地址（默认 %1）。</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>地址</translation>
    </message>
</context>
</TS>
