/* Runs net_a and/or net_b (-DWITH_A, -DWITH_B): two models whose layers
 * have the same names, in one program. Prints the sum of each output. */
#include <stdio.h>
#ifdef WITH_A
#include "net_a.h"
#endif
#ifdef WITH_B
#include "net_b.h"
#endif

int main(void) {
#ifdef WITH_A
  static float xa[CNN_NET_A_INPUT0_SIZE], ya[CNN_NET_A_OUTPUT0_SIZE];
  for (int i = 0; i < CNN_NET_A_INPUT0_SIZE; ++i)
    xa[i] = (float)(i % 7) * 0.1f;
  cnn_net_a *a = cnn_net_a_create(NULL);
  if (!a || cnn_net_a_infer(a, xa, ya)) {
    printf("net_a: %s\n", cnnrt_last_error());
    return 1;
  }
  double sa = 0;
  for (int i = 0; i < CNN_NET_A_OUTPUT0_SIZE; ++i)
    sa += ya[i];
  printf("a %.4f\n", sa);
  cnn_net_a_destroy(a);
#endif
#ifdef WITH_B
  static float xb[CNN_NET_B_INPUT0_SIZE], yb[CNN_NET_B_OUTPUT0_SIZE];
  for (int i = 0; i < CNN_NET_B_INPUT0_SIZE; ++i)
    xb[i] = (float)(i % 5) * 0.1f;
  cnn_net_b *b = cnn_net_b_create(NULL);
  if (!b || cnn_net_b_infer(b, xb, yb)) {
    printf("net_b: %s\n", cnnrt_last_error());
    return 1;
  }
  double sb = 0;
  for (int i = 0; i < CNN_NET_B_OUTPUT0_SIZE; ++i)
    sb += yb[i];
  printf("b %.4f\n", sb);
  cnn_net_b_destroy(b);
#endif
  return 0;
}
