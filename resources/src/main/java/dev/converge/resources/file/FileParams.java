package dev.converge.resources.file;

import java.util.List;

/**
 * Parameters of a {@code file} resource; the component names are mgmt's field names. A null or
 * empty string means "not set", except {@code content}, where only null does (an empty
 * {@code content} is an empty file). {@link FileKind#validate} says which combinations are
 * allowed; docs/resources/file.md says what each does.
 *
 * @param path      absolute path; a trailing {@code /} makes it a directory; empty uses the
 *                  resource's name
 * @param dirname   replaces the directory part of the path (ends with {@code /})
 * @param basename  replaces the last part of the path
 * @param state     {@code exists} or {@code absent}
 * @param content   the file's content
 * @param source    absolute path of a file to copy, or of a directory (ending in {@code /}) whose
 *                  tree to copy; with mgmt's {@code symlink: true}, the link's target
 * @param fragments absolute paths of files, or directories (ending in {@code /}) of files, whose
 *                  contents joined in order make the file's content
 * @param symlink   the target the path is a symbolic link to; {@code true} is mgmt's spelling
 *                  that takes the target from {@code source}, {@code false} is unset
 * @param owner     user name or numeric uid
 * @param group     group name or numeric gid
 * @param mode      octal ({@code 0644}) or symbolic ({@code u=rw,go=r}) mode
 * @param recurse   copy a {@code source} directory's whole tree
 * @param force     replace something of the wrong type (directory, file, symbolic link) at the
 *                  path, and remove a non-empty directory when {@code absent}
 * @param purge     remove entries of the directory tree that the {@code source} tree lacks
 * @param sensitive the file's content (declared, copied, joined, or removed) is never shown: no
 *                  diff, no byte count
 */
public record FileParams(
        String path,
        String dirname,
        String basename,
        String state,
        String content,
        String source,
        List<String> fragments,
        String symlink,
        String owner,
        String group,
        String mode,
        boolean recurse,
        boolean force,
        boolean purge,
        boolean sensitive) {

    public static final FileParams DEFAULTS = new FileParams(
            "", "", "", "exists", null, null, List.of(), null, null, null, null, false, false, false, false);

    public FileParams {
        fragments = fragments == null ? List.of() : List.copyOf(fragments);
    }

    /** Every component, except a {@code sensitive} file's content, which is never shown. */
    @Override
    public String toString() {
        return "FileParams[path=" + path + ", dirname=" + dirname + ", basename=" + basename + ", state=" + state
                + ", content=" + (sensitive && content != null ? "(sensitive)" : content) + ", source=" + source
                + ", fragments=" + fragments + ", symlink=" + symlink + ", owner=" + owner + ", group=" + group
                + ", mode=" + mode + ", recurse=" + recurse + ", force=" + force + ", purge=" + purge
                + ", sensitive=" + sensitive + "]";
    }

    /** A file with {@code path}, {@code content}, {@code state} and {@code mode}; nothing else set. */
    public static FileParams of(String path, String content, String state, String mode) {
        return DEFAULTS.withPath(path).withContent(content).withState(state).withMode(mode);
    }

    public FileParams withPath(String path) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withState(String state) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withContent(String content) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withSource(String source) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withFragments(List<String> fragments) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withSymlink(String symlink) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withOwner(String owner) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withGroup(String group) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withMode(String mode) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withDirname(String dirname) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withBasename(String basename) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    /** With {@code recurse}, {@code force} and {@code purge} as given. */
    public FileParams withFlags(boolean recurse, boolean force, boolean purge) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }

    public FileParams withSensitive(boolean sensitive) {
        return new FileParams(path, dirname, basename, state, content, source, fragments, symlink, owner, group,
                mode, recurse, force, purge, sensitive);
    }
}
