import Foundation

/// A monotonic instant the test moves by hand.
final class ManualInstantClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ContinuousClock.Instant

    init(_ start: ContinuousClock.Instant) { current = start }

    var now: ContinuousClock.Instant { lock.withLock { current } }

    func advance(_ duration: Duration) { lock.withLock { current += duration } }
}
