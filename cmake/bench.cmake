# Links that only some benchmark (and test) executables need; included at the
# end of CMakeLists.txt, after every target exists.

# bench_graph compares vigil's PPR with igraph's PRPACK in the same run
# (scripts/deps-bench.txt: libigraph-dev). Without igraph it still builds and
# reports the baseline as missing.
if(TARGET bench_graph)
  pkg_check_modules(IGRAPH IMPORTED_TARGET igraph)
  if(IGRAPH_FOUND)
    target_link_libraries(bench_graph PRIVATE PkgConfig::IGRAPH)
    target_compile_definitions(bench_graph PRIVATE VIGIL_HAVE_IGRAPH=1)
  endif()
endif()
