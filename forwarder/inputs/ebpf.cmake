# The eBPF input (owner: kernel side). Included from forwarder/CMakeLists.txt.
#   dt_ebpf_loader: load/attach bpf/dnstrail.bpf.c, ring buffer, counters
#   dt_in_ebpf:     the `ebpf` input plugin (dt_input_ebpf) + process cache
add_library(dt_ebpf_loader STATIC ${CMAKE_CURRENT_LIST_DIR}/ebpf_loader.c
            ${CMAKE_CURRENT_LIST_DIR}/cpu_list.c)
target_include_directories(dt_ebpf_loader PUBLIC ${PROJECT_SOURCE_DIR}/forwarder)
target_link_libraries(dt_ebpf_loader PUBLIC dt_bpf_skel)

add_library(dt_in_ebpf STATIC ${CMAKE_CURRENT_LIST_DIR}/in_ebpf.c)
target_link_libraries(dt_in_ebpf PUBLIC dt_ebpf_loader dt_proc dt_core)
