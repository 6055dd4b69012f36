package dev.converge.resources.svc;

import java.util.Objects;

/**
 * Parameters of an {@code svc} resource; the resource's name is the systemd unit ({@code nginx},
 * {@code nginx.service}, {@code getty@tty1.service}). The field names are mgmt's, but
 * {@code refresh}, which is converge's own.
 *
 * <p>Invariant: no field is null. An empty {@code state} or {@code startup} leaves that side of
 * the unit as it is, as in mgmt.
 *
 * @param state   {@code running}, {@code stopped}, or empty: not managed
 * @param startup {@code enabled}, {@code disabled}, or empty: not managed
 * @param session true: a unit of the agent user's own systemd user manager ({@code systemctl
 *                --user}); false: of the system manager
 * @param refresh what a refresh along a notify edge does to a running unit: {@code restart} (the
 *                default) or {@code reload} (when the unit can reload; else it restarts)
 */
public record SvcParams(String state, String startup, boolean session, String refresh) {

    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    public static final String ENABLED = "enabled";
    public static final String DISABLED = "disabled";
    public static final String RESTART = "restart";
    public static final String RELOAD = "reload";

    /** Nothing managed: neither the state nor the startup; a refresh restarts a running unit. */
    public static final SvcParams DEFAULTS = new SvcParams("", "", false, RESTART);

    public SvcParams {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startup, "startup");
        Objects.requireNonNull(refresh, "refresh");
    }
}
