import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// `/console/sign-in` and `/console/sign-out`. The sign-in form is protected like the others: a
/// token in a cookie of its own must come back in the form (so another site can't sign a browser
/// in to a session of its choosing).
struct ConsoleSignIn: Sendable {
    let live: LiveGateway
    let sessions: ConsoleSessions

    static let formCookie = "sy_sign_in"

    /// The sign-in page; a browser already signed in goes to the overview.
    func page(_ request: Request) -> Response {
        if let token = request.cookies[ConsoleController.sessionCookie]?.value, let session = sessions.session(for: token),
            Self.stillValid(session, gateway: live.current)
        {
            return ConsoleRenderer.redirect(to: "/console")
        }
        return form(request)
    }

    func form(_ request: Request, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let locale = Self.locale(of: request)
        let secure = Self.isSecure(request)
        let token = ConsoleSessions.randomToken()
        var problem = problem
        if problem == nil, request.uri.queryParameters["ended"] != nil { problem = locale.text("session_ended") }
        let view = ConsoleView(
            title: locale.text("sign_in"), template: "sign-in", values: ["csrf": token], status: status, problem: problem)
        var response = ConsoleRenderer.response(view, locale: locale, session: nil, request: request, secure: secure)
        response.setCookie(ConsoleRenderer.cookie(Self.formCookie, token, maxAge: 3600, secure: secure))
        return response
    }

    func submit(_ request: Request, context: GatewayRequestContext) async -> Response {
        let gateway = live.current
        let locale = Self.locale(of: request)
        let address = context.clientAddress
        if live.throttle.retryAfter(for: address) != nil {
            return form(request, problem: locale.text("too_many"), status: .tooManyRequests)
        }
        let posted: ConsoleForm
        do {
            posted = try await ConsoleForm.read(request)
        } catch {
            return form(request, problem: error.text(in: locale), status: error.status)
        }
        guard let sent = posted["csrf"], let expected = request.cookies[Self.formCookie]?.value,
            ConsoleForm.constantTimeEqual(sent, expected)
        else {
            return form(request, problem: locale.text("bad_form"), status: .forbidden)
        }
        let key = (posted["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let principal: ConsolePrincipal
        if let adminHash = gateway.adminKeyHash, !key.isEmpty, VirtualKey.hash(key) == adminHash {
            principal = .admin(keyHash: adminHash)
        } else if !key.isEmpty, let found = try? await gateway.keys.authenticate(key) {
            principal = .tenant(found.tenant, keyID: found.id, keyHash: VirtualKey.hash(key))
        } else {
            live.throttle.recordFailure(from: address)
            gateway.metrics?.recordAuthenticationFailure(credential: "console", reason: "invalid")
            return form(request, problem: locale.text("wrong_key"), status: .unauthorized)
        }
        let (token, _) = sessions.open(for: principal)
        do {
            try await record(.consoleSignIn, by: principal, context: context)
        } catch {
            // A sign-in the trail can't record is refused: the trail must hold every session.
            sessions.close(token)
            return form(request, problem: locale.text("ledger_down"), status: .serviceUnavailable)
        }
        var response = ConsoleRenderer.redirect(to: "/console")
        let secure = Self.isSecure(request)
        response.setCookie(
            ConsoleRenderer.cookie(
                ConsoleController.sessionCookie, token, maxAge: Int(ConsoleSessions.lifetime.components.seconds), secure: secure))
        response.setCookie(ConsoleRenderer.cookie(Self.formCookie, "", maxAge: 0, secure: secure))
        return response
    }

    func signOut(_ request: Request, context: GatewayRequestContext) async -> Response {
        let secure = Self.isSecure(request)
        var response = ConsoleRenderer.redirect(to: "/console/sign-in")
        response.setCookie(ConsoleRenderer.cookie(ConsoleController.sessionCookie, "", maxAge: 0, secure: secure))
        guard let token = request.cookies[ConsoleController.sessionCookie]?.value, let session = sessions.session(for: token) else {
            return response
        }
        guard let posted = try? await ConsoleForm.read(request), let sent = posted["csrf"],
            ConsoleForm.constantTimeEqual(sent, session.csrf)
        else {
            // Not from the console's own form: the session stays (another site can't sign you out either).
            return ConsoleRenderer.redirect(to: "/console")
        }
        sessions.close(token)
        do {
            try await record(.consoleSignOut, by: session.principal, context: context)
        } catch {
            context.logger.error(
                "console sign-out could not be recorded in the audit trail", metadata: ["actor": "\(session.principal.actor)"])
        }
        return response
    }

    /// Appends a sign-in or sign-out to the audit trail: who, their tenant (`*` for the admin), from where.
    private func record(_ action: AuditAction, by principal: ConsolePrincipal, context: GatewayRequestContext) async throws {
        let ledger = live.current.ledger
        let draft = AuditDraft(
            actor: principal.actor, action: action, subject: principal.tenant ?? "*", source: context.clientAddress ?? "unknown")
        _ = try await LedgerAccess.run("recording \(action.rawValue)", logger: context.logger) {
            try await AuditChain.record(draft, in: ledger)
        }
    }

    /// A tenant's session ends when its key is revoked (within the key directory's refresh); the
    /// admin's when `admin_key` changes or goes.
    static func stillValid(_ session: ConsoleSession, gateway: Gateway) -> Bool {
        switch session.principal {
        case .admin(let hash): gateway.adminKeyHash == hash
        case .tenant(_, _, let hash): gateway.keys.isActive(hash: hash)
        }
    }

    static func locale(of request: Request) -> ConsoleLocale {
        ConsoleLocale.negotiate(
            asked: request.uri.queryParameters["lang"].map(String.init), remembered: request.cookies["sy_lang"]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
    }

    /// Served over TLS — by a proxy in front, which says so in `X-Forwarded-Proto` (the gateway
    /// itself speaks plain HTTP). A client claiming it falsely only makes its own cookie stricter.
    static func isSecure(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// The sign-in form: one field, `key`.
enum SignInPage {
    static let template = """
        <form class="signin" method="post" action="/console/sign-in">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="key">{{t.key}}</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <p class="hint">{{t.key_hint}}</p>
        <button type="submit" id="sign-in">{{t.sign_in}}</button>
        </form>
        """
}
