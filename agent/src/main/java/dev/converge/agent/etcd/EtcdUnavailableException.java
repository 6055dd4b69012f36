package dev.converge.agent.etcd;

/**
 * etcd could not be reached, or did not answer within the call's deadline. Nothing is known
 * about whether a write was applied only when {@link #mayHaveApplied()} says so: a write whose
 * deadline passed after it was sent may have been applied.
 */
public final class EtcdUnavailableException extends EtcdStoreException {

    private final boolean mayHaveApplied;

    public EtcdUnavailableException(String message, boolean mayHaveApplied, Throwable cause) {
        super(message, cause);
        this.mayHaveApplied = mayHaveApplied;
    }

    /** True when the call was a write that reached its deadline, so it may or may not have been applied. */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }
}
