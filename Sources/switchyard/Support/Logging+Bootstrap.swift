import ArgumentParser
import Logging

// `--log-level` parses straight into swift-log's level; neither package declares this, and only
// this executable (no library) does.
// swift-format-ignore: AvoidRetroactiveConformances
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Logs go to stderr as `level label: message metadata`, so stdout stays for command output.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "switchyard")
    logger.logLevel = level
    return logger
}
