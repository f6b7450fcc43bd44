import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// The frame every console page is drawn in: navigation, who is signed in, the language switch,
/// sign-out. Plain HTML and CSS — no script — readable on a phone and with a keyboard.
enum ConsoleLayout {
    static let template = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Switchyard</title>
        <style>\(style)</style>
        </head>
        <body>
        <a class="skip" href="#main">{{t.skip}}</a>
        <header>
        <strong class="brand">Switchyard</strong>
        {{#signedIn}}
        <nav aria-label="{{t.sections}}">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
        {{/signedIn}}
        <div class="who">
        {{#who}}<span id="who">{{who}}</span>{{/who}}
        <a href="{{switchHref}}" lang="{{otherLang}}" hreflang="{{otherLang}}" id="language">{{otherName}}</a>
        {{#signedIn}}
        <form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="sign-out">{{t.sign_out}}</button></form>
        {{/signedIn}}
        </div>
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status" id="notice">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert" id="problem">{{problem}}</p>{{/problem}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let style = """
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;color:#1d2330;background:#f6f7f9}
        .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
        header{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;padding:10px 16px;background:#1d2330;color:#fff}
        header a{color:#cfe0ff}nav{display:flex;flex-wrap:wrap;gap:4px 14px;flex:1}nav a[aria-current]{color:#fff;font-weight:600;text-decoration:none;border-bottom:2px solid #6ea8ff}
        .brand{font-size:17px}.who{display:flex;gap:12px;align-items:center;flex-wrap:wrap}.who form{margin:0}
        main{padding:16px;max-width:1400px;margin:0 auto}h1{font-size:22px;margin:4px 0 14px}h2{font-size:17px;margin:22px 0 8px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px}
        .card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px}.card .label{color:#5b6475;font-size:13px}.card .value{font-size:20px;font-weight:600}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
        .table-wrap{overflow-x:auto;background:#fff;border:1px solid #dde1e8;border-radius:8px}
        table{border-collapse:collapse;width:100%}th,td{padding:6px 10px;border-bottom:1px solid #eceef2;text-align:left;white-space:nowrap}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr:last-child td{border-bottom:0}
        form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;margin-bottom:12px}
        label{display:flex;flex-direction:column;font-size:13px;color:#3d4556;gap:2px}
        input,select,button{font:inherit;padding:5px 8px;border:1px solid #b9c0cc;border-radius:6px;background:#fff}
        button{background:#2457c5;color:#fff;border-color:#2457c5;cursor:pointer}button.quiet{background:#fff;color:#b3261e;border-color:#d9a3a0}
        :focus-visible{outline:3px solid #f0a500;outline-offset:2px}
        .notice{background:#e7f4ea;border:1px solid #a6d4b0;padding:8px 12px;border-radius:6px}
        .problem{background:#fdecea;border:1px solid #f1aaa4;padding:8px 12px;border-radius:6px}
        .hint{color:#5b6475;font-size:13px}code,.secret{font-family:ui-monospace,monospace}.secret{background:#fff6d6;padding:6px 10px;display:inline-block;word-break:break-all}
        figure{margin:0}svg.chart{width:100%;height:auto;background:#fff;border:1px solid #dde1e8;border-radius:8px}
        .signin{max-width:420px;margin:40px auto;background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:20px}
        .signin input{width:100%}
        """
}
