package dev.converge.resources.svc;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What systemd says about a unit ({@code systemctl show}'s properties), read once per check.
 *
 * @param loadState     {@code loaded}, {@code not-found}, {@code masked}, {@code bad-setting}, ...
 * @param activeState   {@code active}, {@code inactive}, {@code failed}, {@code activating}, ...
 * @param subState      the type-specific state, e.g. {@code running}, {@code dead}
 * @param unitFileState {@code enabled}, {@code disabled}, {@code static}, {@code masked}, ... or
 *                      empty when there is no unit file
 * @param canReload     whether the unit has a reload command
 * @param invocationId  the id of the unit's current run; changes with each start
 */
record UnitState(String loadState, String activeState, String subState, String unitFileState, boolean canReload,
        String invocationId) {

    /** The properties {@link #parse} reads, for {@code systemctl show --property=}. */
    static final List<String> PROPERTIES = List.of("LoadState", "ActiveState", "SubState", "UnitFileState",
            "CanReload", "InvocationID");

    /** Unit file states that count as enabled. */
    private static final Set<String> ENABLED = Set.of("enabled", "enabled-runtime");

    /** Unit file states {@code systemctl enable} cannot change into enabled. */
    static final Set<String> NOT_ENABLEABLE = Set.of("static", "generated", "transient", "masked", "masked-runtime",
            "bad");

    /** A unit systemd knows nothing of, as seen before a parent installs it (dry runs). */
    static final UnitState ABSENT = new UnitState("not-found", "inactive", "dead", "", false, "");

    /** Reads {@code systemctl show}'s {@code Key=Value} lines; missing keys are empty. */
    static UnitState parse(List<String> lines) {
        var values = new HashMap<String, String>();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return of(values);
    }

    private static UnitState of(Map<String, String> v) {
        return new UnitState(v.getOrDefault("LoadState", ""), v.getOrDefault("ActiveState", ""),
                v.getOrDefault("SubState", ""), v.getOrDefault("UnitFileState", ""),
                "yes".equals(v.get("CanReload")), v.getOrDefault("InvocationID", ""));
    }

    boolean found() {
        return !loadState.equals("not-found");
    }

    /** Active or reloading: what {@code state: running} asks for. */
    boolean running() {
        return activeState.equals("active") || activeState.equals("reloading");
    }

    /** Inactive or failed: what {@code state: stopped} asks for. */
    boolean stopped() {
        return activeState.equals("inactive") || activeState.equals("failed");
    }

    boolean enabled() {
        return ENABLED.contains(unitFileState);
    }

    /**
     * Whether the unit has drifted from {@code params}: it is inactive or failed while it should
     * run, runs (or starts) while it should be stopped, or its startup differs. A unit on its way
     * to the declared state (activating while it should run, deactivating while it should stop)
     * has not drifted: that is the agent's own change, or systemd's, in progress.
     */
    boolean driftedFrom(SvcParams params) {
        boolean state = switch (params.state()) {
            case SvcParams.RUNNING -> stopped();
            case SvcParams.STOPPED -> running() || activeState.equals("activating");
            default -> false;
        };
        boolean startup = switch (params.startup()) {
            case SvcParams.ENABLED -> !enabled();
            case SvcParams.DISABLED -> enabled();
            default -> false;
        };
        return state || startup;
    }

    /** How a change reads the state it leaves, e.g. {@code inactive} or {@code failed}. */
    String shown() {
        return subState.isEmpty() || subState.equals(activeState) ? activeState : activeState + "/" + subState;
    }
}
