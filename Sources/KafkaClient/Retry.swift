/// Exponential backoff with jitter (Kafka's KIP-580): attempt n waits about
/// base * 2^n, capped at `maximum`, scaled by a random factor in [0.8, 1.2] so that
/// many clients retrying the same failure do not hit the broker in step.
public struct RetryBackoff: Sendable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration, maximum: Duration) {
        self.base = base
        self.maximum = maximum
    }

    public func delay(attempt: Int) -> Duration {
        let exponential = base * (1 << min(attempt, 20))
        let capped = min(exponential, maximum)
        return capped * Double.random(in: 0.8...1.2)
    }
}
