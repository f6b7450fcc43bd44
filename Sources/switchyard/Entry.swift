import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// Process entry: tunes the runtime before any concurrency starts, then runs the CLI.
///
/// Why: the gateway is an I/O relay. Running Swift concurrency on NIO's event loops removes a
/// thread hop at every `await` on a socket, and sizing the loops to the CPUs this process may
/// actually use (its affinity mask, e.g. under `taskset`) keeps threads from fighting over a core.
@main
enum Entry {
    static func main() async {
        if let cpus = allowedCPUCount() {
            NIOSingletons.groupLoopCountSuggestion = cpus
        }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await SwitchyardCommand.main()
    }

    /// CPUs in this process's affinity mask, from `Cpus_allowed_list` ("0-3,6").
    static func allowedCPUCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        var count = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1: count += 1
            case 2 where bounds[1] >= bounds[0]: count += bounds[1] - bounds[0] + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }
}
