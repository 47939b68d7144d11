"""Repository rules that let Bazel 4.2.3 build this project with no network.

Everything comes from Debian packages that setup.sh installs; a missing package
fails here with the package's name instead of a download attempt.
"""

def _require_dir(repository_ctx, path, package):
    if not repository_ctx.path(path).exists:
        fail("%s is missing: install the Debian package '%s' (bash setup.sh does)." % (path, package))

def _debian_rules_cc_impl(repository_ctx):
    """Copies Debian's rules_cc 0.0.4 and makes it loadable by Bazel 4.2.3.

    Two files load `use_cpp_toolchain` from @bazel_tools, which only newer
    Bazel versions define; its value there is the C++ toolchain type label.
    """
    source = repository_ctx.attr.path
    _require_dir(repository_ctx, source + "/cc", "bazel-rules-cc")
    result = repository_ctx.execute(["cp", "-r", source + "/cc", "."])
    if result.return_code != 0:
        fail("copying %s/cc failed: %s" % (source, result.stderr))
    for bzl in [
        "cc/private/rules_impl/compiler_flag.bzl",
        "cc/private/rules_impl/cc_flags_supplier.bzl",
    ]:
        text = repository_ctx.read(bzl)
        text = text.replace(
            '"find_cpp_toolchain", "use_cpp_toolchain")',
            '"find_cpp_toolchain")',
        )
        text = text.replace(
            "use_cpp_toolchain()",
            '["@bazel_tools//tools/cpp:toolchain_type"]',
        )
        if "use_cpp_toolchain" in text:
            fail("unexpected form of %s/%s: cannot patch use_cpp_toolchain" % (source, bzl))
        repository_ctx.file(bzl, text)

    # This BUILD file only declares bzl_library targets (from bazel_skylib, which
    # is not installed); the package itself is all the .bzl loads need.
    repository_ctx.file("cc/private/rules_impl/BUILD", 'package(default_visibility = ["//visibility:public"])\n')
    repository_ctx.file("BUILD", "")
    repository_ctx.file("WORKSPACE", 'workspace(name = "rules_cc")\n')

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)

_COVERAGE_STUB = """#!/bin/sh
echo "bazel coverage is not set up offline in this project; use bazel test" >&2
exit 1
"""

def _offline_coverage_tools_impl(repository_ctx):
    """Defines @remote_coverage_tools, which `bazel test` resolves at analysis time.

    Bazel normally downloads it; here its two tools exist and fail with a message,
    so a test never needs the network and `bazel coverage` says why it cannot run.
    """
    repository_ctx.file("unavailable.sh", _COVERAGE_STUB, executable = True)
    repository_ctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n')
    repository_ctx.file("BUILD", """package(default_visibility = ["//visibility:public"])

sh_binary(name = "lcov_merger", srcs = ["unavailable.sh"])

sh_binary(name = "coverage_report_generator", srcs = ["unavailable.sh"])
""")

offline_coverage_tools = repository_rule(implementation = _offline_coverage_tools_impl)

def _debian_system_libraries_impl(repository_ctx):
    """Exposes libraries installed under /usr as cc_library targets.

    Headers stay in /usr/include (a built-in include directory of the
    toolchain), so each target only carries link options and defines. A
    package whose headers sit in a subdirectory of /usr/include (Eigen's
    eigen3/) has that directory linked into the repository, so that a target
    can name it in `includes`.
    """
    for header, package in repository_ctx.attr.required_headers.items():
        _require_dir(repository_ctx, "/usr/include/" + header, package)
    for directory in repository_ctx.attr.linked_include_dirs:
        repository_ctx.symlink("/usr/include/" + directory, directory)
    repository_ctx.symlink(repository_ctx.attr.build_file, "BUILD")
    repository_ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % repository_ctx.name)

debian_system_libraries = repository_rule(
    implementation = _debian_system_libraries_impl,
    attrs = {
        "build_file": attr.label(mandatory = True),
        "required_headers": attr.string_dict(),
        "linked_include_dirs": attr.string_list(),
    },
    local = True,
)
