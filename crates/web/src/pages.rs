//! The few server-rendered pages the foundation needs: login, a start page, and Chinese error
//! pages. Everything inserted is HTML-escaped.

use axum::response::Html;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;margin:0;background:#f5f5f2;color:#222}\
main{max-width:28rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}\
h1{font-size:1.4rem;color:#b71c1c;margin-top:0}label{display:block;margin:.8rem 0 .3rem}\
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #888;border-radius:4px}\
input:focus,button:focus,a:focus{outline:3px solid #1565c0;outline-offset:2px}\
button{margin-top:1.2rem;width:100%;padding:.7rem;font-size:1rem;background:#b71c1c;color:#fff;border:0;border-radius:4px;cursor:pointer}\
.error{background:#fdecea;color:#8a1c14;padding:.6rem;border-radius:4px}.hint{color:#555;font-size:.9rem}";

pub fn layout(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · 同心</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    ))
}

pub fn login(csrf: &str, error: Option<&str>) -> Html<String> {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    layout(
        "登录",
        &format!(
            "<h1>同心 · 工作人员登录</h1>{error}\
             <form method=\"post\" action=\"/login\">\
             <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
             <label for=\"username\">用户名</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>\
             <label for=\"password\">密码</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <label for=\"totp_code\">动态验证码（已开启二次验证的账号必填）</label>\
             <input id=\"totp_code\" name=\"totp_code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{{6}}\">\
             <button type=\"submit\">登录</button></form>\
             <p class=\"hint\">居民反映问题无需登录，请扫描楼栋二维码。</p>",
            escape(csrf)
        ),
    )
}

pub fn home(display_name: &str, role: &str, csrf: &str, second_factor_ok: bool) -> Html<String> {
    let notice = if second_factor_ok {
        String::new()
    } else {
        "<p class=\"error\" role=\"alert\">管理员账号须先设置动态验证码（二次验证）：\
         调用 <code>POST /api/v1/auth/totp/setup</code> 与 <code>/api/v1/auth/totp/enable</code>。</p>"
            .to_string()
    };
    layout(
        "工作台",
        &format!(
            "<h1>同心 · 工作台</h1>{notice}<p>您好，{}（{}）。</p>\
             <p class=\"hint\">数据接口位于 <code>/api/v1</code>，例如 <a href=\"/api/v1/regions\">区域树</a>、\
             <a href=\"/api/v1/residents\">居民</a>。</p>\
             <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
             <button type=\"submit\">退出登录</button></form>",
            escape(display_name),
            escape(role),
            escape(csrf)
        ),
    )
}

pub fn error_page(status: u16, message: &str) -> Html<String> {
    layout("出错了", &format!("<h1>{status}</h1><p>{}</p><p><a href=\"/\">返回首页</a></p>", escape(message)))
}
