public import HTTPTypes

extension HTTPField.Name {
    /// Every response carries it; logs carry the same id.
    public static let switchyardRequestID = Self("x-switchyard-request-id")!
    /// The route (or `provider/model`) the request resolved as.
    public static let switchyardRoute = Self("x-switchyard-route")!
    /// How the route ordered its targets (`ordered`, `cheapest`, `fastest`, `balanced`, `weighted`).
    public static let switchyardStrategy = Self("x-switchyard-strategy")!
    /// The provider that served the answer.
    public static let switchyardProvider = Self("x-switchyard-provider")!
    /// The provider's model that served the answer.
    public static let switchyardModel = Self("x-switchyard-model")!
    /// How many targets were tried, counting the one that answered.
    public static let switchyardAttempts = Self("x-switchyard-attempts")!
}

extension HTTPField.Name {
    /// Client parameters the provider's dialect could not carry and the gateway left out.
    public static let switchyardDropped = Self("x-switchyard-dropped")!
    /// `masked email,phone`: personal data the provider saw only as placeholders.
    public static let switchyardPII = Self("x-switchyard-pii")!
    /// On hedged answers: `won` when the hedge (the second target started) answered first,
    /// `lost` when the first target did.
    public static let switchyardHedged = Self("x-switchyard-hedged")!
}
