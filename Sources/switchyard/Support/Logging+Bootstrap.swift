import ArgumentParser
import Logging

// `--log-level` parses straight into swift-log's level; neither package declares this, and only
// this executable (no library) does.
// swift-format-ignore: AvoidRetroactiveConformances
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// How log lines are written (`--log-format`).
enum LogFormat: String, ExpressibleByArgument, Sendable {
    /// `level label: message metadata`, for people.
    case text
    /// One JSON object per line (``JSONLogHandler``), for log shippers.
    case json
}

/// Logs go to stderr, so stdout stays for command output.
func bootstrapLogging(level: Logger.Level, format: LogFormat = .text) -> Logger {
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        case .json:
            return JSONLogHandler(label: label, logLevel: level)
        }
    }
    var logger = Logger(label: "switchyard")
    logger.logLevel = level
    return logger
}
