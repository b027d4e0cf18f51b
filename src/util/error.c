#include "vigil/error.h"

const char *vigil_strerror(int rc) {
  switch (rc) {
  case 0: return "success";
#define VIGIL_ERRNO_MSG_(name, code, msg) case code: return msg;
    VIGIL_ERRNO_MAP(VIGIL_ERRNO_MSG_)
#undef VIGIL_ERRNO_MSG_
  default: return "unknown error";
  }
}

const char *vigil_errname(int rc) {
  switch (rc) {
  case 0: return "VIGIL_OK";
#define VIGIL_ERRNO_NAME_(name, code, msg) case code: return "VIGIL_E" #name;
    VIGIL_ERRNO_MAP(VIGIL_ERRNO_NAME_)
#undef VIGIL_ERRNO_NAME_
  default: return "VIGIL_E?";
  }
}
