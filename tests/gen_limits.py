#!/usr/bin/env python3
"""gen_limits.py CASE — writes one hostile input of golden_limits.sh to
standard output, generated on the fly (never committed):

  textnode    valgrind XML whose one <text> holds 200 MB
  nested      100,000 nested unknown elements
  frames      one record with a stack of 100,000 frames (XML)
  fnname      a function name of 10 MB (XML)
  textframes  a text log record with 100,000 frames
  textline    a text log with a 10 MB line
  supp        a .supp of 10,000 entries, each with "..." wildcards
"""
import sys

HEAD = ('<?xml version="1.0"?>\n<valgrindoutput>\n<protocolversion>4</protocolversion>\n'
        '<protocoltool>memcheck</protocoltool>\n<pid>1</pid>\n<ppid>0</ppid>\n'
        '<tool>memcheck</tool>\n'
        '<status><state>RUNNING</state><time>00:00:00:00.000 </time></status>\n')
TAIL = ('<status><state>FINISHED</state><time>00:00:00:01.000 </time></status>\n'
        '</valgrindoutput>\n')
FRAME = ('<frame><ip>0x%x</ip><obj>/app/a.out</obj><fn>f%d</fn><dir>/src</dir>'
         '<file>a.c</file><line>%d</line></frame>')
LOG_HEAD = ('==1== Memcheck, a memory error detector\n==1== Command: ./a.out\n==1== \n'
            '==1== 16 bytes in 1 blocks are definitely lost in loss record 1 of 1\n'
            '==1==    at 0x4848899: malloc (vg_replace_malloc.c:381)\n')
LOG_TAIL = ('==1== \n==1== LEAK SUMMARY:\n'
            '==1==    definitely lost: 16 bytes in 1 blocks\n')


def record(stack, text='16 bytes in 1 blocks are definitely lost in loss record 1 of 1'):
    return ('<error><unique>0x1</unique><tid>1</tid><kind>Leak_DefinitelyLost</kind>'
            '<xwhat><text>' + text + '</text><leakedbytes>16</leakedbytes>'
            '<leakedblocks>1</leakedblocks></xwhat><stack>' + stack + '</stack></error>\n')


def main():
    out = sys.stdout
    case = sys.argv[1]
    if case == 'textnode':
        out.write(HEAD + '<error><unique>0x1</unique><tid>1</tid>'
                  '<kind>Leak_DefinitelyLost</kind><xwhat><text>')
        chunk = 'x' * (1 << 20)
        for _ in range(200):
            out.write(chunk)
        out.write('</text><leakedbytes>16</leakedbytes><leakedblocks>1</leakedblocks>'
                  '</xwhat><stack>' + FRAME % (1, 1, 1) + '</stack></error>\n' + TAIL)
    elif case == 'nested':
        out.write(HEAD + '<a>' * 100000 + '</a>' * 100000 + TAIL)
    elif case == 'frames':
        out.write(HEAD)
        out.write(record(''.join(FRAME % (0x1000 + i, i, i + 1) for i in range(100000))))
        out.write(TAIL)
    elif case == 'fnname':
        out.write(HEAD + record('<frame><ip>0x1</ip><fn>' + 'n' * (10 << 20) + '</fn></frame>')
                  + TAIL)
    elif case == 'textframes':
        out.write(LOG_HEAD)
        for i in range(100000):
            out.write('==1==    by 0x%X: f%d (a.c:%d)\n' % (0x1000 + i, i, i + 1))
        out.write(LOG_TAIL)
    elif case == 'textline':
        out.write(LOG_HEAD + '==1==    by 0x109163: ' + 'y' * (10 << 20) + ' (a.c:12)\n'
                  + LOG_TAIL)
    elif case == 'supp':
        for i in range(10000):
            out.write('{\n   s%d\n   Memcheck:Leak\n   ...\n   fun:*e*\n   ...\n'
                      '   obj:*\n   ...\n   fun:*nomatch_%d*\n   ...\n   fun:main\n}\n' % (i, i))
    else:
        sys.exit('gen_limits.py: unknown case ' + case)


if __name__ == '__main__':
    main()
