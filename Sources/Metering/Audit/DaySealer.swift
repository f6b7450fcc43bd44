public import Logging
public import ServiceLifecycle

/// Seals closed days (``LedgerSeals``) at start and then every `interval` until shutdown. Every
/// replica runs one; a day is sealed once, by whichever gets there first.
public struct DaySealer: Service {
    let ledger: any Ledger
    let interval: Duration
    let logger: Logger

    public init(ledger: any Ledger, interval: Duration = .seconds(600), logger: Logger) {
        self.ledger = ledger
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        guard ledger is any SealStore else { return }
        await seal()
        await repeatUntilShutdown(every: interval) { await seal() }
    }

    private func seal() async {
        do {
            for seal in try await LedgerSeals.sealClosedDays(in: ledger, by: "gateway") {
                logger.info("usage records sealed", metadata: ["day": "\(seal.day)", "records": "\(seal.records)"])
            }
        } catch {
            logger.warning("closed days could not be sealed", metadata: ["error": "\(error)"])
        }
    }
}
