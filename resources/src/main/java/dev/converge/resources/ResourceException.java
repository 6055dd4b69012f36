package dev.converge.resources;

/** A resource could not check or reach its desired state. Carries the resource's id. */
public class ResourceException extends Exception {

    private final ResourceId id;

    public ResourceException(ResourceId id, String message) {
        super(message);
        this.id = id;
    }

    public ResourceException(ResourceId id, String message, Throwable cause) {
        super(message, cause);
        this.id = id;
    }

    public ResourceId id() {
        return id;
    }

    @Override
    public String toString() {
        return id + ": " + getMessage();
    }
}
