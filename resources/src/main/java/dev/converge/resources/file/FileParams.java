package dev.converge.resources.file;

/**
 * Parameters of a {@code file} resource.
 *
 * @param path    absolute path of the file; empty uses the resource's name
 * @param content the file's content; null leaves the content as it is
 * @param state   {@code exists} or {@code absent}
 * @param mode    octal permission bits such as {@code 0644}; null leaves the mode as it is
 */
public record FileParams(String path, String content, String state, String mode) {

    public static final FileParams DEFAULTS = new FileParams("", null, "exists", null);
}
