package dev.converge.resources.testing;

import java.util.List;

/**
 * Script of one {@link FakeKind} resource.
 *
 * @param sleepMillis how long each checkApply takes
 * @param failTimes   how many calls fail before one succeeds; -1 fails every time
 * @param changes     whether a successful apply reports a change (a check never does twice)
 * @param group       autogroup key: fakes with the same non-empty group may be merged
 * @param provides    paths the resource says it provides (autoedges)
 * @param needs       paths the resource says it needs (autoedges)
 */
public record FakeParams(
        long sleepMillis, int failTimes, boolean changes, String group, List<String> provides, List<String> needs) {

    public static final FakeParams DEFAULTS = new FakeParams(0, 0, true, "", List.of(), List.of());

    public FakeParams {
        provides = List.copyOf(provides);
        needs = List.copyOf(needs);
    }

    public static FakeParams sleeping(long millis) {
        return DEFAULTS.withSleep(millis);
    }

    public static FakeParams failing() {
        return failingTimes(-1);
    }

    public static FakeParams failingTimes(int times) {
        return new FakeParams(0, times, true, "", List.of(), List.of());
    }

    public FakeParams withSleep(long millis) {
        return new FakeParams(millis, failTimes, changes, group, provides, needs);
    }

    public FakeParams withGroup(String key) {
        return new FakeParams(sleepMillis, failTimes, changes, key, provides, needs);
    }

    public FakeParams withPaths(List<String> provided, List<String> needed) {
        return new FakeParams(sleepMillis, failTimes, changes, group, provided, needed);
    }
}
