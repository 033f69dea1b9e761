/* Bench library: one function with state, confined by entry patching. */
static int counter;

int hot_touch(void)
{
	return ++counter;
}
