// wg_version*, wg_strerror, wg_err_name.
#include "workgrinder/workgrinder.h"

namespace {

struct StatusInfo {
  int code;
  const char* name;
  const char* text;
};

const StatusInfo kStatuses[] = {
    {WG_OK, "WG_OK", "success"},
    {WG_EINVAL, "WG_EINVAL", "invalid argument or configuration value"},
    {WG_ENOTSTARTED, "WG_ENOTSTARTED", "not started"},
    {WG_ESTOPPING, "WG_ESTOPPING", "stopping or stopped: no new work"},
    {WG_EWRONGTHREAD, "WG_EWRONGTHREAD", "blocking call on a thread where it could never return"},
    {WG_ECANCELED, "WG_ECANCELED", "cancelled"},
    {WG_ETIMEDOUT, "WG_ETIMEDOUT", "timed out"},
    {WG_EFULL, "WG_EFULL", "max_pending reached"},
    {WG_ENOMEM, "WG_ENOMEM", "out of memory, threads or descriptors"},
    {WG_EWORK, "WG_EWORK", "the work function failed"},
    {WG_ELEASE, "WG_ELEASE", "lease expired, released or revoked"},
    {WG_EUNAVAILABLE, "WG_EUNAVAILABLE", "no executor available and waiting not allowed"},
    {WG_EALREADY, "WG_EALREADY", "the outcome was already decided"},
};

const StatusInfo* find(int status) {
  for (const StatusInfo& s : kStatuses)
    if (s.code == status) return &s;
  return nullptr;
}

}  // namespace

extern "C" {

WG_API unsigned wg_version(void) {
  return (WG_VERSION_MAJOR << 16) | (WG_VERSION_MINOR << 8) | WG_VERSION_PATCH;
}

WG_API const char* wg_version_string(void) { return WG_VERSION_STRING; }

WG_API const char* wg_strerror(int status) {
  const StatusInfo* s = find(status);
  return s ? s->text : "unknown error";
}

WG_API const char* wg_err_name(int status) {
  const StatusInfo* s = find(status);
  return s ? s->name : "WG_UNKNOWN";
}

}  // extern "C"
