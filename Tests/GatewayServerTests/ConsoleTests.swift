import Foundation
import Testing

@testable import GatewayServer

/// The console's parts that need no browser: its words, templates, formats, sessions and charts.
@Suite struct ConsoleTests {
    @Test func everyMessageIsWrittenInBothLanguages() {
        #expect(ConsoleText.messages.values.allSatisfy { !$0.english.isEmpty && !$0.chinese.isEmpty })
    }

    @Test func everyTemplateParsesAndNamesOnlyMessagesThatExist() throws {
        #expect(ConsoleRenderer.unparsed.isEmpty)
        for (name, text) in ConsoleRenderer.templates {
            // `{{t.key}}`: every key a template names is in the tables.
            for match in text.matches(of: /\{\{t\.([a-z0-9_]+)\}\}/) {
                #expect(ConsoleText.english[String(match.1)] != nil, "\(name) names missing message \(match.1)")
            }
        }
    }

    @Test func theLanguageIsAskedThenRememberedThenNegotiated() {
        #expect(ConsoleLocale.negotiate(asked: "zh-Hans", remembered: "en", acceptLanguage: "en") == .chinese)
        #expect(ConsoleLocale.negotiate(asked: "klingon", remembered: "zh-Hans", acceptLanguage: "en") == .chinese)
        #expect(ConsoleLocale.negotiate(asked: nil, remembered: nil, acceptLanguage: "fr-FR, zh-CN;q=0.8, en;q=0.5") == .chinese)
        #expect(ConsoleLocale.negotiate(asked: nil, remembered: nil, acceptLanguage: "de") == .english)
        #expect(ConsoleLocale.negotiate(asked: nil, remembered: nil, acceptLanguage: nil) == .english)
    }

    @Test func numbersMoneyAndDatesFollowTheLanguage() {
        #expect(ConsoleLocale.english.number(-1_234_567) == "-1,234,567")
        #expect(ConsoleLocale.english.money(Decimal(string: "1234.5")!, "USD") == "1,234.50 USD")
        #expect(ConsoleLocale.english.money(Decimal(string: "0.000123456")!, "CNY") == "0.000123 CNY")
        #expect(ConsoleLocale.english.money(0, "USD") == "0.00 USD")
        #expect(ConsoleLocale.english.day("2026-11-30") == "Nov 30, 2026")
        #expect(ConsoleLocale.chinese.day("2026-11-30") == "2026年11月30日")
        #expect(ConsoleLocale.chinese.month("2026-02") == "2026年2月")
        #expect(ConsoleLocale.english.day("not-a-day") == "not-a-day")
    }

    @Test func sessionsExpireEndAndStayBounded() {
        let sessions = ConsoleSessions()
        let start = ContinuousClock.now
        let (token, session) = sessions.open(for: .admin(keyHash: "a"), now: start)
        #expect(sessions.session(for: token, now: start + .seconds(60))?.csrf == session.csrf)
        #expect(sessions.session(for: "forged", now: start) == nil)
        #expect(sessions.session(for: token, now: start + ConsoleSessions.lifetime + .seconds(1)) == nil)
        let (other, _) = sessions.open(for: .tenant("bank", keyID: "key_x", keyHash: "h"), now: start)
        #expect(sessions.close(other) != nil)
        #expect(sessions.session(for: other, now: start) == nil)
        #expect(token.count == 64 && token != other)
    }

    @Test func chartsEscapeTheirTextAndDrawEveryPoint() {
        let points = (0..<30).map { ConsoleChart.Point(label: "<d\($0)>", value: Double($0), display: "\($0) \"USD\"") }
        let svg = ConsoleChart.bars(points, title: "Spend & <more>", id: "c")
        #expect(svg.components(separatedBy: "<rect").count - 1 == 30)
        #expect(!svg.contains("<d1>") && svg.contains("&lt;d1&gt;") && svg.contains("Spend &amp; &lt;more&gt;"))
        // Nothing to draw still draws a chart (zero bars, no division by zero).
        #expect(ConsoleChart.bars([], title: "empty", id: "e").hasSuffix("</svg>"))
        #expect(!ConsoleChart.burnDown([], limit: 0, days: 0, title: "t", id: "b").contains("nan"))
    }

    @Test func tokensAreComparedWhole() {
        #expect(ConsoleForm.constantTimeEqual("abc", "abc"))
        #expect(!ConsoleForm.constantTimeEqual("abc", "abd"))
        #expect(!ConsoleForm.constantTimeEqual("abc", "abcd"))
    }
}
