// wg_version*, wg_strerror, wg_err_name: the names and texts come from the
// header's WG_STATUS_MAP, the one list of status codes.
#include "workgrinder/workgrinder.h"

extern "C" {

WG_API unsigned wg_version(void) {
  return (WG_VERSION_MAJOR << 16) | (WG_VERSION_MINOR << 8) | WG_VERSION_PATCH;
}

WG_API const char* wg_version_string(void) { return WG_VERSION_STRING; }

WG_API const char* wg_strerror(int status) {
  switch (status) {
#define WG_STATUS_TEXT_CASE(name, code, text) \
  case code:                                  \
    return text;
    WG_STATUS_MAP(WG_STATUS_TEXT_CASE)
#undef WG_STATUS_TEXT_CASE
  }
  return "unknown error";
}

WG_API const char* wg_err_name(int status) {
  switch (status) {
#define WG_STATUS_NAME_CASE(name, code, text) \
  case code:                                  \
    return "WG_" #name;
    WG_STATUS_MAP(WG_STATUS_NAME_CASE)
#undef WG_STATUS_NAME_CASE
  }
  return "WG_UNKNOWN";
}

}  // extern "C"
