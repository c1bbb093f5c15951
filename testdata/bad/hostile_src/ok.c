::error file=ok.c,line=1::from a source line
/* ]0;owned[2J esc in a comment ##[group]x */
void *own_code(void) { return malloc(8); } /* ‮ bidi | pipe */
/* ``` fence </details> <script>alert(1)</script> */
  ::warning::indented source line
