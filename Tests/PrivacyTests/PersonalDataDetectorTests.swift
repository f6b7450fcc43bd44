import Testing

@testable import Privacy

@Suite struct PersonalDataDetectorTests {
    /// The findings of `text` as (kind, matched text) pairs.
    func found(_ text: String) -> [(PersonalDataKind, String)] {
        let bytes = Array(text.utf8)
        return PersonalDataDetector.matches(in: text).map { ($0.kind, String(decoding: bytes[$0.range], as: UTF8.self)) }
    }

    func kinds(_ text: String) -> [PersonalDataKind] { found(text).map(\.0) }
    func values(_ text: String) -> [String] { found(text).map(\.1) }

    @Test(arguments: [
        ("Write to zhang.wei+bank@example.com.cn today", "zhang.wei+bank@example.com.cn"),
        ("邮箱：li_na@qq.com，谢谢", "li_na@qq.com"),
        ("<a.b-c@mail.example.org>.", "a.b-c@mail.example.org"),
    ])
    func emails(text: String, email: String) {
        #expect(values(text) == [email])
        #expect(kinds(text) == [.email])
    }

    @Test(arguments: ["user@localhost", "an @ sign", "x@y.c", "@example.com", "a@b.c0m"])
    func notEmails(text: String) {
        #expect(found(text).isEmpty)
    }

    @Test(arguments: [
        ("手机13812345678，请回电", "13812345678"),
        ("call 138 1234 5678 now", "138 1234 5678"),
        ("call 138-1234-5678.", "138-1234-5678"),
        ("+86 138 1234 5678", "+86 138 1234 5678"),
        ("8613812345678", "8613812345678"),
        ("US office: +1 (555) 123-4567", "+1 (555) 123-4567"),
        ("or (555) 123-4567", "(555) 123-4567"),
        ("or 555.123.4567", "555.123.4567"),
        ("London +44 20 7946 0958", "+44 20 7946 0958"),
    ])
    func phones(text: String, phone: String) {
        #expect(values(text) == [phone])
        #expect(kinds(text) == [.phone])
    }

    @Test func twoMobilesSideBySideAreTwo() {
        #expect(values("13812345678 13987654321") == ["13812345678", "13987654321"])
    }

    @Test(arguments: [
        "On 2024-11-23 at 13:45", "order 12345678", "version 1.2.3.4", "pi is 3.14159265358979",
        "12812345678", "abc13812345678", "x_13812345678", "id 138123456789",
    ])
    func notPhones(text: String) {
        #expect(found(text).isEmpty)
    }

    @Test(arguments: ["11010519491231002X", "11010519491231002x", "44030419900307123X", "110101199003077512"])
    func residentIDs(id: String) {
        #expect(found("身份证号 \(id)。").map(\.0) == [.residentID])
        #expect(values("身份证号 \(id)。") == [id])
    }

    @Test func residentIDWithWrongChecksumIsNotOne() {
        #expect(!kinds("110101199003077513").contains(.residentID))
        #expect(kinds("110105194912310021").isEmpty)
    }

    @Test(arguments: [
        ("card 6222021234567890128 ok", "6222021234567890128"),
        ("card 4111 1111 1111 1111, exp", "4111 1111 1111 1111"),
        ("卡号6217-0000-0000-0000-004", "6217-0000-0000-0000-004"),
    ])
    func bankCards(text: String, card: String) {
        #expect(values(text) == [card])
        #expect(kinds(text) == [.bankCard])
    }

    @Test func cardFailingLuhnIsNotOne() {
        #expect(found("4111 1111 1111 1112").isEmpty)
        #expect(found("6222021234567890127").isEmpty)
    }

    @Test func everythingInOneText() {
        let text = "Client 王伟, ID 11010519491231002X, mobile 13812345678, mail wang.wei@example.cn, card 6222021234567890128."
        #expect(kinds(text) == [.residentID, .phone, .email, .bankCard])
    }

    @Test func digitsInsideAnEmailStayPartOfIt() {
        #expect(found("13812345678@139.com").map(\.0) == [.email])
    }
}
