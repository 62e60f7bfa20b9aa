# Project-wide compile settings, applied per target so that only our own code gets -Werror.
add_library(cortex_warnings INTERFACE)
target_compile_options(cortex_warnings INTERFACE -Wall -Wextra -Werror -Wpedantic)
target_compile_definitions(cortex_warnings INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_NO_FOREACH QT_NO_KEYWORDS
    CORTEX_VERSION="${PROJECT_VERSION}")

if(CORTEX_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# cortex_add_test(NAME <name> SOURCES <files...> LIBS <libs...> LABELS <labels...>
#                 [TIMEOUT <s>] [ENVIRONMENT <VAR=value...>])
# A Qt Test executable registered with ctest under the given labels.
function(cortex_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENVIRONMENT" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} Qt6::Test cortex_warnings)
    target_compile_definitions(${T_NAME} PRIVATE
        CORTEX_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        CORTEX_VECTORS_FILE="${PROJECT_SOURCE_DIR}/tests/vectors/crypto-kat.json")
    cortex_add_test_run(NAME ${T_NAME} EXECUTABLE ${T_NAME} LABELS ${T_LABELS}
                        TIMEOUT ${T_TIMEOUT} ENVIRONMENT ${T_ENVIRONMENT})
endfunction()

# cortex_add_test_run(NAME <name> EXECUTABLE <test target> LABELS <labels...>
#                     [TIMEOUT <s>] [ENVIRONMENT <VAR=value...>])
# One more ctest run of a test executable, e.g. the same tests in another configuration.
function(cortex_add_test_run)
    cmake_parse_arguments(T "" "NAME;EXECUTABLE;TIMEOUT" "LABELS;ENVIRONMENT" ${ARGN})
    add_test(NAME ${T_NAME} COMMAND ${T_EXECUTABLE})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 600)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;CORTEX_KDF_PROFILE=interactive;${T_ENVIRONMENT}")
endfunction()
