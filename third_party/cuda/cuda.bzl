"""cuda_library: compiles .cu files with nvcc and wraps the objects in a cc_library.

    load("//third_party/cuda:cuda.bzl", "cuda_library")
    cuda_library(
        name = "kernels",
        srcs = ["add.cu", "runtime.cc"],  # .cu through nvcc, everything else through the C++ toolchain
        hdrs = ["add.h"],
        deps = ["//core"],
    )

Each .cu becomes one object, compiled with -O3, C++17, whole-program device code (-rdc=false) and
-Xcompiler -fPIC for the architectures of `--define cuda_archs=80,90` (the default: sm_80 and sm_90,
plus PTX of the newest one so that later GPUs can JIT it). The cc_library gets the objects,
alwayslink (kernels register themselves at static-initialisation time), @local_cuda//:cudart and
the define DC_WITH_CUDA=1, which propagates to everything that depends on it.

With no toolkit (@local_cuda's CUDA_ENABLED is False) the target is an empty cc_library: dependents
build CPU-only and must guard CUDA code with #ifdef DC_WITH_CUDA.
"""

load("@local_cuda//:defs.bzl", "CUDA_ENABLED", "NVCC")
load("@rules_cc//cc:defs.bzl", "cc_library")

DEFAULT_CUDA_ARCHS = "80,90"

def _arch_flags(archs):
    flags = []
    numbers = [a.strip().replace("sm_", "") for a in archs.split(",") if a.strip()]
    if not numbers:
        fail("--define cuda_archs: expected a comma-separated list like 80,90, got '%s'" % archs)
    for n in numbers:
        if not n.isdigit():
            fail("--define cuda_archs: '%s' is not an architecture number (like 80 or 90a)" % n)
        flags.append("-gencode=arch=compute_%s,code=sm_%s" % (n, n))
    newest = numbers[-1]
    flags.append("-gencode=arch=compute_%s,code=compute_%s" % (newest, newest))
    return flags

def _cuda_objects_impl(ctx):
    archs = ctx.var.get("cuda_archs", DEFAULT_CUDA_ARCHS)
    cc = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps if CcInfo in d])
    comp = cc.compilation_context
    common = ctx.actions.args()
    common.add_all(["-O3", "-std=c++17", "-rdc=false", "--expt-relaxed-constexpr"])
    common.add_all(["-Xcompiler", "-fPIC", "-Xcompiler", "-O3", "-Wno-deprecated-gpu-targets"])
    common.add_all(_arch_flags(archs))
    common.add_all(comp.defines, format_each = "-D%s")
    common.add_all(ctx.attr.defines, format_each = "-D%s")
    common.add_all(comp.quote_includes, format_each = "-I%s")
    common.add_all(comp.includes, format_each = "-I%s")
    common.add_all(comp.system_includes, format_each = "-isystem=%s")
    common.add_all(ctx.attr.copts)
    inputs = depset(ctx.files.hdrs, transitive = [comp.headers])
    outs = []
    for src in ctx.files.srcs:
        stem = src.basename[:-len(src.extension) - 1]
        out = ctx.actions.declare_file("_cuda_objs/%s/%s.o" % (ctx.label.name, stem))
        args = ctx.actions.args()
        args.add_all(["-c", src.path, "-o", out.path])
        ctx.actions.run(
            executable = ctx.attr.nvcc,
            arguments = [common, args],
            inputs = depset([src], transitive = [inputs]),
            outputs = [out],
            mnemonic = "Nvcc",
            progress_message = "nvcc %s (sm %s)" % (src.short_path, archs),
            # nvcc finds the host compiler (gcc) on PATH.
            use_default_shell_env = True,
        )
        outs.append(out)
    return [DefaultInfo(files = depset(outs))]

_cuda_objects = rule(
    implementation = _cuda_objects_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".cu"]),
        "hdrs": attr.label_list(allow_files = True),
        "deps": attr.label_list(providers = [CcInfo]),
        "defines": attr.string_list(),
        "copts": attr.string_list(),
        "nvcc": attr.string(mandatory = True),
    },
)

def cuda_library(name, srcs = [], hdrs = [], deps = [], copts = [], nvcc_copts = [], **kwargs):
    """A cc_library whose .cu sources are compiled by nvcc (see the file's docstring)."""
    if not CUDA_ENABLED:
        cc_library(name = name, **kwargs)
        return
    cu = [s for s in srcs if s.endswith(".cu")]
    other = [s for s in srcs if not s.endswith(".cu")]
    _cuda_objects(
        name = name + "_cu_objs",
        srcs = cu,
        hdrs = hdrs + [s for s in other if s.endswith(".h") or s.endswith(".cuh")],
        deps = deps + ["@local_cuda//:cuda_headers"],
        defines = ["DC_WITH_CUDA=1"],
        copts = nvcc_copts,
        nvcc = NVCC,
        visibility = ["//visibility:private"],
    )
    cc_library(
        name = name,
        srcs = other + ([":" + name + "_cu_objs"] if cu else []),
        hdrs = hdrs,
        deps = deps + ["@local_cuda//:cudart"],
        defines = ["DC_WITH_CUDA=1"],
        copts = copts,
        alwayslink = 1,
        **kwargs
    )
