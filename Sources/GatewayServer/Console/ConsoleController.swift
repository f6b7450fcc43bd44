import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// The spend console under `/console`: server-drawn pages for the admin (every tenant) and for
/// a tenant signed in with one of its keys (its own data only). Sessions live in
/// ``ConsoleSessions``; every form carries its session's CSRF token; failed sign-ins count
/// against the same per-address throttle as the API's keys.
struct ConsoleController: Sendable {
    let live: LiveGateway
    let sessions: ConsoleSessions

    static let sessionCookie = "sy_session"

    func register(on router: Router<GatewayRequestContext>) {
        let signIn = ConsoleSignIn(live: live, sessions: sessions)
        router.get("/console/sign-in") { request, _ in signIn.page(request) }
        router.post("/console/sign-in") { request, context in await signIn.submit(request, context: context) }
        router.post("/console/sign-out") { request, context in await signIn.signOut(request, context: context) }

        page("/console") { visit in try await OverviewPage.view(visit) }
        page("/console/spend") { visit in try await SpendPage.view(visit) }
        page("/console/budgets") { visit in try await BudgetsPage.view(visit) }
        page("/console/keys") { visit in try await KeysPage.view(visit) }
        page("/console/requests") { visit in try await RequestsPage.view(visit) }
        page("/console/requests/:id") { visit in try await RequestsPage.detail(visit) }
        page("/console/providers") { visit in try await ProvidersPage.view(visit) }
        page("/console/routes") { visit in try await RoutesPage.view(visit) }
        page("/console/audit") { visit in try await AuditPage.view(visit) }
        form("/console/keys") { visit, form in try await KeysPage.create(visit, form: form) }
        form("/console/keys/:id") { visit, form in try await KeysPage.change(visit, form: form) }
        form("/console/keys/:id/revoke") { visit, form in try await KeysPage.revoke(visit, form: form) }
        // Anything else under /console: a page that says so, not the API's JSON.
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/console/**", method: method) { request, context in
                await visit(request, context: context) { _ in throw ConsoleProblem.notFound }
            }
        }

        func page(_ path: RouterPath, _ draw: @escaping @Sendable (ConsoleVisit) async throws -> ConsoleDraw) {
            router.get(path) { request, context in
                await visit(request, context: context) { visit in try await draw(visit) }
            }
        }

        func form(_ path: RouterPath, _ handle: @escaping @Sendable (ConsoleVisit, ConsoleForm) async throws -> ConsoleDraw) {
            router.post(path) { request, context in
                await visit(request, context: context) { visit in
                    let form = try await ConsoleForm.read(request)
                    // The session's own token, compared in constant time: a page of another
                    // site can post here with the cookie, but can't know the token.
                    guard let sent = form["csrf"], ConsoleForm.constantTimeEqual(sent, visit.session.csrf) else {
                        throw ConsoleProblem.staleForm
                    }
                    return try await handle(visit, form)
                }
            }
        }
    }

    /// Runs a signed-in request: no live session sends the browser to sign in; a problem is
    /// shown on the page with its status.
    private func visit(
        _ request: Request, context: GatewayRequestContext, _ draw: (ConsoleVisit) async throws -> ConsoleDraw
    ) async -> Response {
        let gateway = live.current
        let locale = ConsoleSignIn.locale(of: request)
        let secure = ConsoleSignIn.isSecure(request)
        guard let token = request.cookies[Self.sessionCookie]?.value, let session = sessions.session(for: token),
            ConsoleSignIn.stillValid(session, gateway: gateway)
        else {
            // A browser that had a session is told it ended; one that never signed in just signs in.
            guard let token = request.cookies[Self.sessionCookie]?.value else { return ConsoleRenderer.redirect(to: "/console/sign-in") }
            sessions.close(token)
            var response = ConsoleRenderer.redirect(to: "/console/sign-in?ended=1")
            response.setCookie(ConsoleRenderer.cookie(Self.sessionCookie, "", maxAge: 0, secure: secure))
            return response
        }
        let visit = ConsoleVisit(gateway: gateway, session: session, locale: locale, request: request, context: context)
        do {
            switch try await draw(visit) {
            case .page(let view):
                return ConsoleRenderer.response(view, locale: locale, session: session, request: request, secure: secure)
            case .redirect(let location):
                return ConsoleRenderer.redirect(to: location)
            case .download(let text, let contentType, let filename):
                var headers = ConsoleRenderer.headers(contentType: contentType)
                headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        } catch let problem as ConsoleProblem {
            return problemPage(problem, visit: visit, secure: secure)
        } catch {
            context.logger.error("console page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return problemPage(.ledgerDown, visit: visit, secure: secure)
        }
    }

    private func problemPage(_ problem: ConsoleProblem, visit: ConsoleVisit, secure: Bool) -> Response {
        let view = ConsoleView(
            title: visit.text("error"), template: "message", values: [:], status: problem.status,
            problem: problem.text(in: visit.locale))
        return ConsoleRenderer.response(view, locale: visit.locale, session: visit.session, request: visit.request, secure: secure)
    }
}

/// What a console handler answers: a page, a redirect (after a form), or a file.
enum ConsoleDraw {
    case page(ConsoleView)
    case redirect(String)
    case download(String, contentType: String, filename: String)
}
