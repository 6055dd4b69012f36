package dev.converge.agent.etcd;

/**
 * etcd could not be reached, or did not answer within the call's deadline. Nothing is known
 * about whether a write was applied only when {@link #mayHaveApplied()} says so: a write whose
 * deadline passed after it was sent may have been applied.
 */
public final class EtcdUnavailableException extends EtcdStoreException {

    private final String reason;
    private final boolean mayHaveApplied;

    /** With the message as its reason. */
    public EtcdUnavailableException(String message, boolean mayHaveApplied, Throwable cause) {
        this(message, message, mayHaveApplied, cause);
    }

    /**
     * @param message what was asked and why it failed
     * @param reason  only why, in one line: "Connection refused", "did not answer within 5000 ms", a
     *                TLS problem
     */
    public EtcdUnavailableException(String message, String reason, boolean mayHaveApplied, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.mayHaveApplied = mayHaveApplied;
    }

    /** Why etcd could not be used, in one line, without what was asked. */
    public String reason() {
        return reason;
    }

    /** True when the call was a write that reached its deadline, so it may or may not have been applied. */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }
}
