import Foundation
import GatewayConfig
import GatewayModel
import HTTPTypes
import Hummingbird
import Logging
import Metering
import NIOCore
import Routing

/// What a console page shows: its title, its template and the values the template reads.
struct ConsoleView {
    var title: String
    /// A template's name in ``ConsoleTemplates/library``.
    var template: String
    var values: [String: Any]
    var status: HTTPResponse.Status = .ok
    /// Good news (a key revoked); a problem goes in ``problem``.
    var notice: String?
    var problem: String?
}

/// Why a page can't be shown as asked: said on the page with its status — never a 500, never
/// another tenant's data.
struct ConsoleProblem: Error {
    var status: HTTPResponse.Status
    /// A message key (``ConsoleText``), or the message itself when `literal`.
    var message: String
    var literal = false

    static let adminOnly = ConsoleProblem(status: .forbidden, message: "admin_only")
    static let otherTenant = ConsoleProblem(status: .forbidden, message: "other_tenant")
    static let notFound = ConsoleProblem(status: .notFound, message: "not_found")
    static let staleForm = ConsoleProblem(status: .forbidden, message: "bad_form")
    static let ledgerDown = ConsoleProblem(status: .serviceUnavailable, message: "ledger_down")
    static let pageTooFar = ConsoleProblem(status: .badRequest, message: "page_too_far")

    /// Bad input in the user's own words (a date that doesn't parse, a field that doesn't exist).
    static func badInput(_ message: String) -> ConsoleProblem {
        ConsoleProblem(status: .badRequest, message: message, literal: true)
    }

    func text(in locale: ConsoleLocale) -> String { literal ? message : locale.text(message) }
}
