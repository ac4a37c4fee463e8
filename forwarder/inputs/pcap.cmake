# The pcap input (owner: decoder side). Include from forwarder/CMakeLists.txt:
#   dt_frame_parse: link layer -> IPv4/IPv6 -> UDP/TCP -> struct dt_packet (pure)
#   dt_in_pcap:     the `pcap` input plugin (dt_input_pcap), libpcap offline reader
add_library(dt_frame_parse STATIC ${CMAKE_CURRENT_LIST_DIR}/frame_parse.c)
target_include_directories(dt_frame_parse PUBLIC ${PROJECT_SOURCE_DIR}/forwarder)

add_library(dt_in_pcap STATIC ${CMAKE_CURRENT_LIST_DIR}/in_pcap.c)
target_include_directories(dt_in_pcap PUBLIC ${PROJECT_SOURCE_DIR}/forwarder)
target_link_libraries(dt_in_pcap PUBLIC dt_frame_parse dt_core PkgConfig::PCAP)
