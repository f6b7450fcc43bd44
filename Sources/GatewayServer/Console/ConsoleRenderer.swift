import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import Mustache
import NIOCore
import Routing

/// Draws console pages: a page's template, then the layout around it; and the headers every
/// console answer carries (no caching, no framing, no script at all).
enum ConsoleRenderer {
    /// Every template by name; a template that doesn't parse is left out, and the unit tests
    /// render each one.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            if let template = try? MustacheTemplate(string: text) { library.register(template, named: name) }
        }
        return library
    }()

    /// The names of templates that didn't parse (none, the unit tests check).
    static var unparsed: [String] { templates.map(\.0).filter { library.getTemplate(named: $0) == nil } }

    static let templates: [(String, String)] = [
        ("layout", ConsoleLayout.template), ("sign-in", SignInPage.template), ("message", MessagePage.template),
        ("overview", OverviewPage.template), ("spend", SpendPage.template), ("budgets", BudgetsPage.template),
        ("keys", KeysPage.template), ("requests", RequestsPage.template), ("request", RequestsPage.detailTemplate),
        ("spend-table", SpendTable.template), ("providers", ProvidersPage.template), ("routes", RoutesPage.template),
        ("audit", AuditPage.template),
    ]

    /// The sections, in the navigation's order (the audit trail is the admin's alone).
    static let sections: [(path: String, key: String, adminOnly: Bool)] = [
        ("/console", "overview", false), ("/console/spend", "spend", false), ("/console/budgets", "budgets", false),
        ("/console/keys", "keys", false), ("/console/requests", "requests", false), ("/console/providers", "providers", false),
        ("/console/routes", "routes", false), ("/console/audit", "audit", true),
    ]

    /// A page in the layout. `session` nil: the sign-in page (no navigation).
    static func response(
        _ view: ConsoleView, locale: ConsoleLocale, session: ConsoleSession?, request: Request, secure: Bool
    ) -> Response {
        var values = view.values
        values["t"] = locale.texts
        let body = library.render(values, withTemplate: view.template) ?? ""
        var frame: [String: Any] = [
            "lang": locale.rawValue, "title": view.title, "t": locale.texts, "body": body,
            "otherLang": locale.other.rawValue, "otherName": locale.other.ownName,
            "switchHref": switchHref(request, to: locale.other),
        ]
        if let notice = view.notice { frame["notice"] = notice }
        if let problem = view.problem { frame["problem"] = problem }
        if let session {
            let path = request.uri.path
            frame["signedIn"] = true
            frame["csrf"] = session.csrf
            frame["who"] =
                session.principal.tenant.map { "\(locale.text("signed_in_as_tenant")): \($0) (\(session.principal.actor))" }
                ?? locale.text("signed_in_as_admin")
            frame["nav"] = sections.filter { !$0.adminOnly || session.principal.isAdmin }.map { section -> [String: Any] in
                let current = section.path == "/console" ? path == "/console" || path == "/console/" : path.hasPrefix(section.path)
                return ["href": section.path, "label": locale.text(section.key), "current": current]
            }
        }
        let html = library.render(frame, withTemplate: "layout") ?? body
        var response = Response(status: view.status, headers: headers(contentType: "text/html; charset=utf-8"))
        response.body = .init(byteBuffer: ByteBuffer(string: html))
        if let asked = request.uri.queryParameters["lang"], ConsoleLocale.named(String(asked)) == locale {
            response.setCookie(cookie("sy_lang", locale.rawValue, maxAge: 365 * 86_400, secure: secure))
        }
        return response
    }

    /// The headers of every console answer.
    static func headers(contentType: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        fields[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return fields
    }

    static func redirect(to location: String) -> Response {
        var fields = headers(contentType: "text/plain; charset=utf-8")
        fields[.location] = location
        return Response(status: .seeOther, headers: fields)
    }

    /// A console cookie: HttpOnly, SameSite=Strict, only under /console, Secure behind TLS.
    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/console", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The same page in `locale`: the URL with `lang` set.
    static func switchHref(_ request: Request, to locale: ConsoleLocale) -> String {
        var components = URLComponents()
        components.path = request.uri.path
        components.queryItems =
            request.uri.queryParameters.filter { $0.key != "lang" }.map { URLQueryItem(name: String($0.key), value: String($0.value)) }
            + [URLQueryItem(name: "lang", value: locale.rawValue)]
        return components.string ?? "?lang=\(locale.rawValue)"
    }
}

/// A page that only says something (an error, a missing page).
enum MessagePage {
    static let template = """
        <p><a href="/console">{{t.overview}}</a></p>
        """
}
