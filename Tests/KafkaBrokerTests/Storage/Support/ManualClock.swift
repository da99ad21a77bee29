import Foundation
@testable import KafkaBroker

/// A clock the test moves by hand.
final class ManualClock: LogClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(_ start: Int64 = 1_700_000_000_000) { now = start }

    var nowMilliseconds: Int64 { lock.withLock { now } }

    func advance(milliseconds: Int64) { lock.withLock { now += milliseconds } }
    func set(_ value: Int64) { lock.withLock { now = value } }
}
