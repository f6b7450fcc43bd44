/// The kinds of personal data the gateway recognises in prompts. Each has a placeholder
/// stem a model reads as "something of this kind" and tends to copy back verbatim.
public enum PersonalDataKind: String, Sendable, Hashable, CaseIterable {
    case email
    case phone
    /// A PRC resident identity card number (18 characters, checksum-validated).
    case residentID
    /// A payment card number (14–19 digits, Luhn-validated; written plain or in groups).
    case bankCard

    /// The placeholder's stem: `[EMAIL_1]`, `[PHONE_2]`, `[ID_NUMBER_1]`, `[BANK_CARD_1]`.
    public var placeholderStem: String {
        switch self {
        case .email: "EMAIL"
        case .phone: "PHONE"
        case .residentID: "ID_NUMBER"
        case .bankCard: "BANK_CARD"
        }
    }

    /// In words, for errors and logs.
    public var label: String {
        switch self {
        case .email: "e-mail address"
        case .phone: "phone number"
        case .residentID: "resident ID number"
        case .bankCard: "bank card number"
        }
    }
}
