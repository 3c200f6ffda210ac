#include "copencv.h"
