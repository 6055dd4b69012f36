package dev.converge.resources.testing;

/**
 * Script of one {@link FakeKind} resource.
 *
 * @param sleepMillis how long each checkApply takes
 * @param failTimes   how many calls fail before one succeeds; -1 fails every time
 * @param changes     whether a successful apply reports a change (a check never does twice)
 */
public record FakeParams(long sleepMillis, int failTimes, boolean changes) {

    public static final FakeParams DEFAULTS = new FakeParams(0, 0, true);

    public static FakeParams sleeping(long millis) {
        return new FakeParams(millis, 0, true);
    }

    public static FakeParams failing() {
        return new FakeParams(0, -1, true);
    }

    public static FakeParams failingTimes(int times) {
        return new FakeParams(0, times, true);
    }
}
